using Addons.Host.Hosting;

namespace Addons.Host.Tests.Hosting;

public sealed class HostCommandLineTests
{
    [Test]
    public void SetsPluginsAndConfigurationKeysAreSeparated()
    {
        var line = HostCommandLine.Parse(["--set", "view_filter=~q", "--set=a=b=c", "--plugins", "p.json", "--Addons:View:Enabled=false", "--Logging:LogLevel:Default", "Debug", "--options"]);

        Assert.Multiple(() =>
        {
            Assert.That(line.Sets, Is.EqualTo(new[] { KeyValuePair.Create("view_filter", "~q"), KeyValuePair.Create("a", "b=c") }));
            Assert.That(line.PluginsPath, Is.EqualTo("p.json"));
            Assert.That(line.ConfigurationArguments, Is.EqualTo(new[] { "--Addons:View:Enabled=false", "--Logging:LogLevel:Default", "Debug" }));
            Assert.That(line.ListOptions, Is.True);
            Assert.That(line.ListCommands, Is.False);
        });
    }

    [TestCase(new[] { "--set" }, "--set needs a value: NAME=VALUE, such as --set view_filter=~q.")]
    [TestCase(new[] { "--set", "novalue" }, "--set novalue: expected NAME=VALUE, such as --set view_filter=~q.")]
    [TestCase(new[] { "--plugins" }, "--plugins needs a value: a file name, such as --plugins ./plugins.json.")]
    [TestCase(new[] { "-x" }, "Unknown option '-x'; run with --help to see the options.")]
    [TestCase(new[] { "stray" }, "Unexpected argument 'stray'; run with --help to see the options.")]
    public void MistakesGetOneClearSentence(string[] args, string expected) =>
        Assert.That(() => HostCommandLine.Parse(args), Throws.TypeOf<AddonHostException>().With.Message.EqualTo(expected));

    [Test]
    public async Task HelpIsPrintedAndTheHostExits()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await HostProgram.RunAsync(["--help"], output, error);

        Assert.That(code, Is.Zero);
        Assert.That(output.ToString(), Does.StartWith("Usage: addons-host").And.Contain("--set NAME=VALUE"));
    }
}
