using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Chain;

public sealed class HookScopeTests
{
    private const string ShowScopes = "--Logging:Console:FormatterOptions:IncludeScopes=true";

    [Test]
    public async Task WhatAnAddonLogsInAFlowHookCarriesItsNameAndTheFlowIdAsFields()
    {
        await using var host = await TestHost.StartAsync([ProxyHarness.Recorder], "--set", "recorder_log_in=request", ShowScopes);
        var first = FlowLifecycle.NewFlow("http://example.com/first");
        var second = FlowLifecycle.NewFlow("http://example.com/second");

        await FlowLifecycle.RunRequestResponseAsync(host.Chain, first);
        await FlowLifecycle.RunRequestResponseAsync(host.Chain, second);

        var lines = host.Logs.Lines.Where(l => l.Message == "recorder logs in request").ToList();
        Assert.That(lines.Select(l => l.Scope.GetValueOrDefault("Addon")), Is.EqualTo(new[] { "recorder", "recorder" }));
        Assert.That(lines.Select(l => l.Scope.GetValueOrDefault("FlowId")), Is.EqualTo(new object[] { first.Id, second.Id }));
    }

    [Test]
    public async Task AHookWithoutAFlowHasNoFlowScope()
    {
        await using var host = await TestHost.StartAsync([ProxyHarness.Recorder], "--set", "recorder_log_in=client_connected", ShowScopes);
        var flow = FlowLifecycle.NewFlow("http://example.com/");

        await host.Chain.InvokeAsync(Hook.ClientConnected, new ClientConnectionContext(flow.Client, CancellationToken.None));

        var line = host.Logs.Lines.Single(l => l.Message == "recorder logs in client_connected");
        Assert.That(line.Scope, Does.Not.ContainKey("FlowId"));
    }

    [Test]
    public async Task WhereTheLogShowsNoScopesNoneIsBegun()
    {
        // The single-line console format shows no scopes by default, so the chain spares every hook the cost of one.
        await using var host = await TestHost.StartAsync([ProxyHarness.Recorder], "--set", "recorder_log_in=request");
        var flow = FlowLifecycle.NewFlow("http://example.com/");

        await FlowLifecycle.RunRequestResponseAsync(host.Chain, flow);

        Assert.That(host.Chain.LogScopes, Is.False);
        Assert.That(host.Logs.Lines.Single(l => l.Message == "recorder logs in request").Scope, Does.Not.ContainKey("FlowId"));
    }
}
