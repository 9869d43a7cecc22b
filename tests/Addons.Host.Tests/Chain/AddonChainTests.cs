using Addons.Host.Chain;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Chain;

public sealed class AddonChainTests
{
    private static readonly string[] FlowHooks =
        ["http_connect", "requestheaders", "request", "responseheaders", "response", "websocket_start", "websocket_message", "websocket_end", "error", "update"];

    private static readonly string[] OtherHooks =
        ["client_connected", "tls_clienthello", "tls_established", "tls_failed", "server_connect", "server_connected", "server_disconnected", "client_disconnected"];

    [Test]
    public async Task AnAddonThatThrowsInEveryHookIsLoggedByNameAndTheChainGoesOn()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Thrower", TestPaths.TestPlugin("Thrower"), 1), TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 2)]);
        var flow = FlowLifecycle.NewFlow("http://example.com/path");

        await host.Addons.RunningAsync(CancellationToken.None);
        await FlowLifecycle.RunEveryHookAsync(host.Chain, flow);
        await host.StopAsync();

        var recorded = await host.RecordedAsync("recorder");
        var failures = host.Logs.Errors.Select(e => e.Message).ToList();
        Assert.Multiple(() =>
        {
            foreach (var hook in FlowHooks)
            {
                Assert.That(recorded, Has.Some.EqualTo($"{hook}:example.com/path"), $"the recorder after the thrower saw {hook}");
                Assert.That(failures, Has.Some.StartWith($"Addon 'thrower' failed in hook '{hook}' for flow {flow.Id}: InvalidOperationException: thrower failed in {hook}"));
            }

            foreach (var hook in OtherHooks.Concat(["configure", "running", "done"]))
            {
                Assert.That(recorded, Has.Some.Matches<string>(r => r == hook || r.StartsWith(hook + ":", StringComparison.Ordinal)), $"the recorder saw {hook}");
                Assert.That(failures, Has.Some.EqualTo($"Addon 'thrower' failed in hook '{hook}': InvalidOperationException: thrower failed in {hook}"));
            }
        });

        // Logged once per failure: one line for each hook delivery, no more; but of the nine updates only the first
        // five in full, and the other four in the summary that done writes.
        var deliveries = FlowHooks.Length - 1 + 9 /* updates */ + OtherHooks.Length + 3;
        Assert.That(failures.Count(f => f.StartsWith("Addon 'thrower'", StringComparison.Ordinal)), Is.EqualTo(deliveries - 4 + 1));
        Assert.That(failures, Has.Exactly(1).Matches<string>(f => f.StartsWith("Addon 'thrower' failed 9 times in hook 'update' in the last ", StringComparison.Ordinal)
            && f.EndsWith(" s; last: InvalidOperationException: thrower failed in update", StringComparison.Ordinal)));
    }

    [Test]
    public async Task HaltStopsTheRestOfTheChainForThatEventOnly()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1), TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 2)],
            "--set", "recorder_halt_in=request");
        var flow = FlowLifecycle.NewFlow("http://example.com/a");

        await FlowLifecycle.RunRequestResponseAsync(host.Chain, flow);

        var first = await host.RecordedAsync("recorder");
        var second = await host.RecordedAsync("second");
        Assert.That(first.Where(e => e.Contains(':', StringComparison.Ordinal) && !e.StartsWith("configure", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            "requestheaders:example.com/a", "update:example.com/a",
            "request:example.com/a", "update:example.com/a",
            "responseheaders:example.com/a", "update:example.com/a",
            "response:example.com/a", "update:example.com/a",
        }));
        Assert.That(second.Where(e => e.Contains(':', StringComparison.Ordinal) && !e.StartsWith("configure", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            "requestheaders:example.com/a", "update:example.com/a",
            "update:example.com/a",
            "responseheaders:example.com/a", "update:example.com/a",
            "response:example.com/a", "update:example.com/a",
        }));
        Assert.That(host.Logs.Errors, Is.Empty, "a halt is not an error");
    }

    [Test]
    public async Task OnlyAddonsThatOverrideAHookAreCalledForIt()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1), TestHost.Entry("Hello", TestPaths.TestPlugin("Hello"), 2)]);

        var hello = host.Chain.Find("hello")!;
        var recorder = host.Chain.Find("recorder")!;
        Assert.Multiple(() =>
        {
            Assert.That(HookTable.All.Where(h => hello.Implements(h.Hook)).Select(h => h.Name), Is.EqualTo(new[] { "response" }));
            Assert.That(HookTable.All.All(h => recorder.Implements(h.Hook)), Is.True);
        });
    }

    [Test]
    public async Task TheSampleAddonChangesTheResponseTheClientWillSee()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("Hello", TestPaths.TestPlugin("Hello"), 1)]);
        var first = FlowLifecycle.NewFlow("http://example.com/");
        var second = FlowLifecycle.NewFlow("http://example.com/");

        await FlowLifecycle.RunRequestResponseAsync(host.Chain, first);
        await FlowLifecycle.RunRequestResponseAsync(host.Chain, second);

        Assert.That(first.Response!.Headers["X-Hello-Count"], Is.EqualTo("1"));
        Assert.That(second.Response!.Headers["X-Hello-Count"], Is.EqualTo("2"));
    }
}
