using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// What a plugin's load failure does to the host process: a plugin that is not required is one log line and the host
/// runs on to exit code 0; a required one stops the host before it starts, with one sentence and exit code 1.
/// </summary>
public sealed class LoadFailureExitTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-exit-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(120_000)]
    public async Task APluginThatIsNotRequiredFailsAloneAndTheHostRunsOnToExitCodeZero(CancellationToken cancellationToken)
    {
        var plugins = await WritePluginsAsync(required: false, cancellationToken);

        var (code, _, log) = await HostProcess.RunSeparatelyAsync(plugins, _folder, ["-n", "-r", await WriteEmptyHarAsync(cancellationToken)], TimeSpan.FromSeconds(60), cancellationToken);

        Assert.That(code, Is.Zero, log);
        Assert.That(log, Does.Contain($"Plugin 'NoEntry': {TestPaths.TestPlugin("NoEntryPoint")} has no [assembly: AddonEntryPoint(typeof(...))] attribute, so the host cannot find its addon. The other plugins still start."));
        Assert.That(log, Does.Contain("Running with "));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task ARequiredPluginThatFailsStopsTheHostWithExitCodeOneAndOneSentence(CancellationToken cancellationToken)
    {
        var plugins = await WritePluginsAsync(required: true, cancellationToken);

        var (code, output, log) = await HostProcess.RunSeparatelyAsync(plugins, _folder, ["-n", "-r", await WriteEmptyHarAsync(cancellationToken)], TimeSpan.FromSeconds(60), cancellationToken);

        Assert.That(code, Is.EqualTo(1), log);
        Assert.That(output, Is.Empty);
        Assert.That(log, Does.Contain($"Plugin 'NoEntry': {TestPaths.TestPlugin("NoEntryPoint")} has no [assembly: AddonEntryPoint(typeof(...))] attribute, so the host cannot find its addon. Addons:NoEntry:Required is true, so the host does not start without it."));
        Assert.That(log, Does.Not.Contain("Running with ").And.Not.Contain("   at "));
    }

    private async Task<string> WritePluginsAsync(bool required, CancellationToken cancellationToken)
    {
        var plugins = Path.Combine(_folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, $$"""
            { "Addons": {
                "Recorder": { "Path": {{TestPaths.Json(TestPaths.TestPlugin("Recorder"))}}, "Order": 1 },
                "NoEntry": { "Path": {{TestPaths.Json(TestPaths.TestPlugin("NoEntryPoint"))}}, "Order": 2, "Required": {{(required ? "true" : "false")}} } } }
            """, cancellationToken);
        return plugins;
    }

    private async Task<string> WriteEmptyHarAsync(CancellationToken cancellationToken)
    {
        var har = Path.Combine(_folder, "empty.har");
        await File.WriteAllTextAsync(har, """{ "log": { "version": "1.2", "creator": { "name": "test", "version": "1" }, "entries": [] } }""", cancellationToken);
        return har;
    }
}
