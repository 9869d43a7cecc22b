using System.Net;
using System.Text.RegularExpressions;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Templates;

/// <summary>
/// The author's first ten minutes, as the issue's "done when" puts them: the packages of this build in a local feed,
/// <c>dotnet new install</c> of the template package, <c>dotnet new addon -n Probe</c> in a folder outside the
/// repository, its generated tests passing, and the host installed as the template's local tool loading it with
/// <c>--addon Probe</c> and acting on a real flow through its proxy.
/// </summary>
public sealed partial class TemplateTests
{
    private AuthorFolder _author = null!;
    private string _probe = null!;

    [OneTimeSetUp]
    public async Task InstallTheTemplateAndMakeAnAddon()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        _author = await AuthorFolder.CreateAsync("addons-template-", timeout.Token);
        // Installed in the folder's own CLI home (see AuthorFolder), not the machine's.
        await _author.DotnetAsync(_author.Folder, timeout.Token, "new", "install", _author.Feed.PackageOf("Addons.Templates"));
        await _author.DotnetAsync(_author.Folder, timeout.Token, "new", "addon", "-n", "Probe");
        _probe = Path.Combine(_author.Folder, "Probe");
    }

    [OneTimeTearDown]
    public void DeleteTheFolder() => _author?.Dispose();

    [Test]
    public void The_template_makes_the_addon_its_tests_a_plugins_entry_a_launch_profile_and_the_host_tool()
    {
        var files = Directory.EnumerateFiles(_probe, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_probe, f).Replace('\\', '/'));

        Assert.That(files, Is.SupersetOf(new[]
        {
            "Probe.slnx", "README.md", "plugins.json", ".config/dotnet-tools.json",
            "Probe/Probe.csproj", "Probe/ProbeAddon.cs", "Probe/Properties/launchSettings.json",
            "Probe.Tests/Probe.Tests.csproj", "Probe.Tests/ProbeAddonTests.cs",
        }));
        Assert.That(File.ReadAllText(Path.Combine(_probe, "Probe", "Probe.csproj")),
            Does.Contain($"<PackageReference Include=\"Addons.Abstractions\" Version=\"{_author.Feed.Version}\" />"));
        Assert.That(File.ReadAllText(Path.Combine(_probe, ".config", "dotnet-tools.json")),
            Does.Contain($"\"version\": \"{_author.Feed.VersionOf("addons-host")}\""));
        Assert.That(File.ReadAllText(Path.Combine(_probe, "Probe", "ProbeAddon.cs")), Does.Contain("\"probe_value\"").And.Contain("X-Probe"));
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task Its_generated_tests_pass_against_the_packages(CancellationToken cancellationToken)
    {
        var output = await _author.DotnetAsync(_probe, cancellationToken, "test", "Probe.slnx");

        var summary = TestSummary().Match(output);
        Assert.That(summary.Success, $"dotnet test printed no summary:\n{output}");
        Assert.That((summary.Groups["failed"].Value, int.Parse(summary.Groups["passed"].Value, System.Globalization.CultureInfo.InvariantCulture)),
            Is.EqualTo(("0", 3)), output);
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task The_host_tool_loads_it_with_addon_Probe_and_it_acts_on_a_real_flow(CancellationToken cancellationToken)
    {
        await _author.DotnetAsync(_probe, cancellationToken, "tool", "restore");
        await using var origin = await KestrelOrigin.StartAsync(_author.Folder);
        var conf = Path.Combine(_author.Folder, "conf");
        await using var host = await ProxyProcess.StartAsync(_author.StartInfo("dotnet",
        [
            "tool", "run", "addons-host", "--", "--addon", "Probe", "--set", "probe_value=from-the-command-line",
            "--set", "listen_host=127.0.0.1", "--set", "listen_port=0", "--set", $"confdir={conf}",
            "--set", $"session_path={Path.Combine(_author.Folder, "probe.session")}",
        ], _probe), cancellationToken);
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{host.Proxy}") });

        using var response = await client.GetAsync(origin.Http("/hello"), cancellationToken);

        Assert.That(await response.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("hello"));
        Assert.That(response.Headers.TryGetValues("X-Probe", out var values) ? string.Join(", ", values) : null,
            Is.EqualTo("from-the-command-line"), host.Log);
        Assert.That(host.Log, Does.Contain("Loaded addon 'probe'").And.Contain("Loaded addon 'view'"),
            "the tool loads the addon beside its shipped plugins");
    }

    // dotnet test's summary line per test project, such as "Passed!  - Failed:     0, Passed:     3, Skipped: ...".
    [GeneratedRegex(@"Failed:\s+(?<failed>\d+),\s+Passed:\s+(?<passed>\d+)")]
    private static partial Regex TestSummary();
}
