using Addons.Abstractions.Flows;
using Addons.Testing.Tests.Probes;

namespace Addons.Testing.Tests;

/// <summary>CycleAsync runs a flow through the hooks of its kind, in the proxy's order, with the chain's halt and kill.</summary>
public sealed class CycleTests
{
    private Journal _journal = null!;

    [SetUp]
    public void CreateJournal() => _journal = new Journal();

    [Test]
    public async Task An_http_flow_with_a_response_goes_through_the_four_hooks_each_followed_by_update()
    {
        await using var host = await StartAsync(new ProbeAddon("a", _journal));
        var flow = TestFlows.Http().WithResponse();
        var live = new List<bool>();
        host.Bus.Subscribe<ProbeMessage>(_ => live.Add(flow.Live));

        Assert.That(await host.CycleAsync(flow), Is.True);

        Assert.That(Hooks(), Is.EqualTo(new[] { "a:requestheaders", "a:update", "a:request", "a:update", "a:responseheaders", "a:update", "a:response", "a:update" }));
        Assert.That((live.Single(), flow.Live), Is.EqualTo((true, false)), "live while its hooks run, as a captured flow");
    }

    [Test]
    public async Task An_http_flow_with_an_error_ends_with_error()
    {
        await using var host = await StartAsync(new ProbeAddon("a", _journal));

        await host.CycleAsync(TestFlows.Http().WithError("Connection refused"));

        Assert.That(Hooks().Where(h => h != "a:update"), Is.EqualTo(new[] { "a:requestheaders", "a:request", "a:error" }));
    }

    [Test]
    public async Task A_websocket_flow_gets_its_messages_one_by_one()
    {
        await using var host = await StartAsync(new ProbeAddon("a", _journal));

        await host.CycleAsync(TestFlows.WebSocket());

        Assert.That(Hooks().Where(h => h != "a:update"), Is.EqualTo(new[]
        {
            "a:requestheaders", "a:request", "a:responseheaders", "a:response",
            "a:websocket_start", "a:websocket_message(1)", "a:websocket_message(2)", "a:websocket_message(3)", "a:websocket_end",
        }));
    }

    [Test]
    public async Task Tcp_udp_and_dns_flows_go_through_their_own_hooks()
    {
        await using var host = await StartAsync(new ProbeAddon("a", _journal));

        await host.CycleAsync(TestFlows.Tcp());
        await host.CycleAsync(TestFlows.Tcp(messages: false).WithError("reset"));
        await host.CycleAsync(TestFlows.Udp());
        await host.CycleAsync(TestFlows.Dns().WithResponse());
        await host.CycleAsync(TestFlows.Dns().WithError("timeout"));

        Assert.That(Hooks().Where(h => h != "a:update"), Is.EqualTo(new[]
        {
            "a:tcp_start(0)", "a:tcp_message(1)", "a:tcp_message(2)", "a:tcp_end",
            "a:tcp_start(0)", "a:tcp_error",
            "a:udp_start(0)", "a:udp_message(1)", "a:udp_message(2)", "a:udp_end",
            "a:dns_request", "a:dns_response",
            "a:dns_request", "a:dns_error",
        }));
    }

    [Test]
    public async Task Halt_stops_one_hook_from_reaching_the_addons_after_and_the_next_hook_reaches_them_all()
    {
        await using var host = await StartAsync(new ProbeAddon("a", _journal) { HaltIn = "request" }, new ProbeAddon("b", _journal));

        await host.CycleAsync(TestFlows.Http().WithResponse());

        var hooks = Hooks().Where(h => !h.EndsWith(":update", StringComparison.Ordinal));
        Assert.That(hooks, Is.EqualTo(new[] { "a:requestheaders", "b:requestheaders", "a:request", "a:responseheaders", "b:responseheaders", "a:response", "b:response" }));
    }

    [Test]
    public async Task A_kill_ends_the_flow_with_the_error_hook()
    {
        await using var host = await StartAsync(new ProbeAddon("a", _journal) { KillIn = "request" }, new ProbeAddon("b", _journal));
        var flow = TestFlows.Http().WithResponse();

        Assert.That(await host.CycleAsync(flow), Is.False);

        Assert.That(flow.Error?.Message, Is.EqualTo(FlowError.KilledMessage));
        var hooks = Hooks().Where(h => !h.EndsWith(":update", StringComparison.Ordinal));
        Assert.That(hooks, Is.EqualTo(new[] { "a:requestheaders", "b:requestheaders", "a:request", "b:request", "a:error", "b:error" }), "the rest of request, then error; no response");
    }

    [Test]
    public async Task A_kill_in_response_has_no_error_hook_after_it()
    {
        await using var host = await StartAsync(new ProbeAddon("a", _journal) { KillIn = "response" });

        Assert.That(await host.CycleAsync(TestFlows.Http().WithResponse()), Is.False);

        Assert.That(Hooks(), Does.Not.Contain("a:error"));
    }

    private async Task<AddonTestHost> StartAsync(params ProbeAddon[] probes)
    {
        var host = await AddonTestHost.StartAsync(probes);
        _journal.Clear();
        return host;
    }

    private IEnumerable<string> Hooks() => _journal.Entries.Where(e => !e.Contains(":received:", StringComparison.Ordinal));
}
