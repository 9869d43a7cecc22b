using System.Reflection;
using Addons.Abstractions;
using Addons.Host.Loading;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Loading;

public sealed class PluginLoadingTests
{
    [Test]
    public async Task ShippedPluginsLoadAndAnswerLoadRunningAndDone()
    {
        await using var host = await TestHost.StartAsync(
        [
            TestHost.Entry("View", TestPaths.ShippedPlugin("View"), 100),
            TestHost.Entry("Session", TestPaths.ShippedPlugin("Session"), 200),
            TestHost.Entry("StreamTester", TestPaths.ShippedPlugin("StreamTester"), 300),
            TestHost.Entry("Hello", TestPaths.TestPlugin("Hello"), 50),
        ]);

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "hello", "view", "session", "streamtester" }));
        await host.Addons.RunningAsync(CancellationToken.None);
        await host.StopAsync();

        var messages = host.Logs.Lines.Select(l => l.Message).ToList();
        Assert.That(messages, Has.Some.Matches<string>(m => m.StartsWith("Loaded addon 'view' 0.1.0 (plugin View", StringComparison.Ordinal)));
        Assert.That(host.Commands.Find("view.flows.resolve")?.Owner, Is.EqualTo("view"));
        Assert.That(messages, Has.Some.Matches<string>(m => m.StartsWith("Session file ", StringComparison.Ordinal) && m.EndsWith(": 0 flows restored", StringComparison.Ordinal)));
        Assert.That(messages, Has.Some.Matches<string>(m => m.StartsWith("Session file ", StringComparison.Ordinal) && m.Contains(" closed: ", StringComparison.Ordinal)));
        Assert.That(host.Commands.Find("streamtester.start")?.Owner, Is.EqualTo("streamtester"));
        Assert.That(host.Logs.Errors, Is.Empty);
    }

    [Test]
    public async Task FlowsThroughTheChainLandInTheViewAndItsSelectorsServeOtherAddons()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("View", TestPaths.ShippedPlugin("View"), 1), TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 2)]);
        var flow = Infrastructure.FlowLifecycle.NewFlow("http://example.com/seen");

        await Infrastructure.FlowLifecycle.RunRequestResponseAsync(host.Chain, flow);

        Assert.That(await host.ExecuteAsync("view.properties.length"), Is.EqualTo(1));
        Assert.That(await host.ExecuteAsync("recorder.flowurl", "@focus"), Is.EqualTo("http://example.com/seen"), "another plugin's command resolved @focus through the View");
        Assert.That(await host.ExecuteAsync("recorder.flowurl", "~u /seen & ~s"), Is.EqualTo("http://example.com/seen"));
    }

    [Test]
    public async Task TwoPluginsWithDifferentMajorVersionsOfALibraryEachSeeTheirOwn()
    {
        await using var host = await TestHost.StartAsync(
        [
            TestHost.Entry("JsonV12", TestPaths.TestPlugin("JsonV12"), 1),
            TestHost.Entry("JsonV13", TestPaths.TestPlugin("JsonV13"), 2),
        ]);

        Assert.That(await host.ExecuteAsync("jsonv12.version"), Is.EqualTo("12.0.0.0"));
        Assert.That(await host.ExecuteAsync("jsonv13.version"), Is.EqualTo("13.0.0.0"));
        Assert.That(await host.ExecuteAsync("jsonv12.serialize", "a\"b"), Is.EqualTo("{\"text\":\"a\\\"b\"}"));
        Assert.That(await host.ExecuteAsync("jsonv13.serialize", "x"), Is.EqualTo("{\"text\":\"x\"}"));
    }

    [Test]
    public async Task APluginsContractTypesAreTheHostsTypes()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)]);

        var addon = host.Chain.Addons.Single(a => a.Loader is not null);
        var contractSeenByPlugin = addon.Loader!.LoadAssembly(typeof(Addon).Assembly.GetName());
        Assert.Multiple(() =>
        {
            Assert.That(contractSeenByPlugin, Is.SameAs(typeof(Addon).Assembly));
            Assert.That(addon.Instance, Is.InstanceOf<Addon>());
            Assert.That(addon.Instance.GetType().BaseType, Is.SameAs(typeof(Addon)));
            Assert.That(addon.Instance.GetType().Assembly, Is.Not.SameAs(Assembly.GetExecutingAssembly()));
            Assert.That(System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(addon.Instance.GetType().Assembly),
                Is.Not.SameAs(System.Runtime.Loader.AssemblyLoadContext.Default));
        });
    }

    [Test]
    public async Task AMissingPluginPathIsReportedAndTheOtherPluginsStillStart()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-folder", "Gone.dll");
        await using var host = await TestHost.StartAsync(
        [
            TestHost.Entry("Gone", missing, 1),
            TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 2),
        ]);

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "recorder" }));
        Assert.That(host.Addons.Failures, Has.Count.EqualTo(1));
        Assert.That(host.Addons.Failures[0], Does.StartWith($"Plugin 'Gone': {missing} does not exist (Addons:Gone:Path is"));
        Assert.That(host.Logs.Errors.Single().Message, Does.Contain("Plugin 'Gone'").And.EndWith("The other plugins still start."));
    }

    [Test]
    public async Task AnAssemblyWithoutAnAddonIsReportedByName()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("NoEntry", TestPaths.TestPlugin("NoEntryPoint"), 1)]);

        Assert.That(host.PluginAddonNames, Is.Empty);
        Assert.That(host.Addons.Failures.Single(), Is.EqualTo(
            $"Plugin 'NoEntry': {TestPaths.TestPlugin("NoEntryPoint")} has no [assembly: AddonEntryPoint(typeof(...))] attribute, so the host cannot find its addon."));
    }

    [Test]
    public async Task APluginBuiltAgainstANewerContractIsRefusedBeforeItLoads()
    {
        // FutureContract is built against the next minor of the contract (tests/TestPlugins/FutureAbstractions).
        await using var host = await TestHost.StartAsync([TestHost.Entry("Future", TestPaths.TestPlugin("FutureContract"), 1)]);

        var (major, minor) = (ContractReference.HostVersion.Major, ContractReference.HostVersion.Minor);
        Assert.That(host.PluginAddonNames, Is.Empty);
        Assert.That(host.Addons.Failures.Single(), Is.EqualTo(
            $"Plugin 'Future': {TestPaths.TestPlugin("FutureContract")} was built against Addons.Abstractions {major}.{minor + 1}, but this host supports {major}.0 to {major}.{minor}; rebuild the plugin against Addons.Abstractions {major}.{minor}."));
    }

    [Test]
    public void TwoAddonsWithTheSameNameRefuseToStart()
    {
        var recorder = TestPaths.TestPlugin("Recorder");
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync(
        [
            TestHost.Entry("First", recorder, 1),
            TestHost.Entry("Again", recorder, 2),
        ]));

        Assert.That(ex!.Message, Is.EqualTo(
            $"Plugins 'First' ({recorder}) and 'Again' ({recorder}) both provide an addon named 'recorder'; addon names must be unique, so disable one of them."));
    }

    [Test]
    public void ARequiredPluginThatFailsStopsTheHostFromStarting()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync(
        [
            TestHost.Entry("NoEntry", TestPaths.TestPlugin("NoEntryPoint"), 1, "\"Required\": true"),
            TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 2),
        ]));

        Assert.That(ex!.Message, Does.StartWith("Plugin 'NoEntry': ").And.EndWith(
            "Addons:NoEntry:Required is true, so the host does not start without it."));
    }

    [Test]
    public async Task ADisabledPluginIsNotLoaded()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1), TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 2)],
            "--Addons:Second:Enabled=false");

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "recorder" }));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Some.EqualTo("Plugin Second is disabled in configuration; not loaded"));
    }

    [Test]
    [NonParallelizable]
    public async Task AnEnvironmentVariableDisablesAPlugin()
    {
        Environment.SetEnvironmentVariable("Addons__Second__Enabled", "false");
        try
        {
            await using var host = await TestHost.StartAsync(
                [TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1), TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 2)]);

            Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "recorder" }));
        }
        finally
        {
            Environment.SetEnvironmentVariable("Addons__Second__Enabled", null);
        }
    }

    [Test]
    public async Task PluginsRunInTheirConfiguredOrder()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 20), TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 10)]);

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "second", "recorder" }));
    }
}
