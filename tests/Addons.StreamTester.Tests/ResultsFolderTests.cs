namespace Addons.StreamTester.Tests;

/// <summary>
/// Where result files go. The folders are only resolved here, never written: a test must not write into the user's
/// home or the repository (the end-to-end test in Addons.Host.Tests writes into a temporary confdir).
/// </summary>
public sealed class ResultsFolderTests
{
    [Test]
    public void By_default_the_results_go_to_streamtester_in_the_confdir()
    {
        var confdir = Path.Combine(Path.GetTempPath(), "some-host", "conf");

        Assert.That(ResultsFolder.Resolve("", confdir), Is.EqualTo(Path.Combine(confdir, "streamtester")));
    }

    [Test]
    public void The_hosts_default_confdir_in_the_home_folder_is_expanded()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assume.That(home, Is.Not.Empty, "a user with a home folder");

        Assert.That(ResultsFolder.Resolve("", "~/.addons"), Is.EqualTo(Path.GetFullPath(Path.Combine(home, ".addons", "streamtester"))));
    }

    [TestCase(null)]
    [TestCase("")]
    public void Without_a_confdir_the_results_go_to_the_temporary_folder(string? confdir)
    {
        Assert.That(ResultsFolder.Resolve("", confdir), Is.EqualTo(Path.Combine(Path.GetTempPath(), "addons-streamtester")));
    }

    [Test]
    public void A_folder_the_output_option_names_is_used_as_given()
    {
        var output = Path.Combine(Path.GetTempPath(), "my-results");

        Assert.Multiple(() =>
        {
            Assert.That(ResultsFolder.Resolve(output, "/conf"), Is.EqualTo(output));
            Assert.That(ResultsFolder.Resolve("results", "/conf"), Is.EqualTo(Path.GetFullPath("results")), "relative to the current folder, as the user wrote it");
        });
    }

    [Test]
    public void The_output_option_is_empty_by_default_and_empty_is_accepted()
    {
        Assert.That(new StreamParameters().Output, Is.Empty);
        Assert.That(() => new StreamParameters().With(["output="]), Throws.Nothing);
    }
}
