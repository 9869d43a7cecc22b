using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Host.Chain;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Addons.Host.Tests.Chain;

/// <summary>The contract's <see cref="IFlowInjector"/>: a flow through the hooks as the proxy would have run them.</summary>
public sealed class FlowInjectorTests
{
    [Test]
    public async Task A_complete_flow_gets_the_request_and_response_hooks_each_followed_by_update_and_ends_not_live()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)]);
        var flow = FlowLifecycle.NewFlow("http://example.com/a");
        flow.Live = false;
        flow.Response = new HttpResponse { StatusCode = 204 };
        var live = new List<bool>();
        using var watch = host.Bus.Subscribe<KeyValuePair<string, Flow>>(() => "test", final => live.Add(final.Value.Live));

        var completed = await Injector(host).InjectAsync(flow);

        Assert.That(completed, Is.True);
        Assert.That(FlowHooks(await host.RecordedAsync("recorder")), Is.EqualTo(new[]
        {
            "requestheaders:example.com/a", "update:example.com/a", "request:example.com/a", "update:example.com/a",
            "responseheaders:example.com/a", "update:example.com/a", "response:example.com/a", "update:example.com/a",
        }));
        Assert.That(live, Is.EqualTo(new[] { true }), "live during its hooks, as a captured flow");
        Assert.That(flow.Live, Is.False);
    }

    [Test]
    public async Task An_error_flow_ends_with_error_and_a_request_alone_with_one_more_update()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)]);
        var failed = FlowLifecycle.NewFlow("http://example.com/e");
        failed.Error = new FlowError("connection refused", DateTimeOffset.UtcNow);
        var alone = FlowLifecycle.NewFlow("http://example.com/r");

        await Injector(host).InjectAsync(failed);
        await Injector(host).InjectAsync(alone);

        var recorded = FlowHooks(await host.RecordedAsync("recorder"));
        Assert.That(recorded.Where(r => r.EndsWith("/e", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            "requestheaders:example.com/e", "update:example.com/e", "request:example.com/e", "update:example.com/e",
            "error:example.com/e", "update:example.com/e",
        }));
        Assert.That(recorded.Where(r => r.EndsWith("/r", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            "requestheaders:example.com/r", "update:example.com/r", "request:example.com/r", "update:example.com/r", "update:example.com/r",
        }));
    }

    [Test]
    public async Task A_websocket_flow_gets_one_message_hook_per_message_seeing_only_the_messages_so_far()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)]);
        var flow = FlowLifecycle.NewFlow("http://example.com/ws");
        flow.Response = new HttpResponse { StatusCode = 101 };
        flow.WebSocket = new WebSocketData();
        flow.WebSocket.Messages.Add(new WebSocketMessage { Content = [1] });
        flow.WebSocket.Messages.Add(new WebSocketMessage { Content = [2] });
        flow.Error = new FlowError("ignored for a WebSocket, as mitmproxy does", DateTimeOffset.UtcNow);

        await Injector(host).InjectAsync(flow);

        var hooks = FlowHooks(await host.RecordedAsync("recorder")).Where(r => !r.StartsWith("update", StringComparison.Ordinal)).Select(r => r.Split(':')[0]);
        Assert.That(hooks, Is.EqualTo(new[] { "requestheaders", "request", "responseheaders", "response", "websocket_start", "websocket_message", "websocket_message", "websocket_end" }));
        Assert.That(flow.WebSocket.Messages, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task A_flow_that_was_killed_when_captured_goes_through_every_hook_with_its_error()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)]);
        var flow = FlowLifecycle.NewFlow("http://example.com/k");
        flow.Response = new HttpResponse();

        // As mitmproxy loads a flow of a file: the kill is part of what was captured, not a kill of this run.
        flow.Kill();
        var completed = await Injector(host).InjectAsync(flow);

        Assert.That(completed, Is.True);
        Assert.That(FlowHooks(await host.RecordedAsync("recorder")).Where(r => !r.StartsWith("update", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "requestheaders:example.com/k", "request:example.com/k", "responseheaders:example.com/k", "response:example.com/k", "error:example.com/k" }));
        Assert.That(flow.Error!.Message, Is.EqualTo(FlowError.KilledMessage));
    }

    [Test]
    public async Task An_addon_that_kills_the_flow_ends_the_sequence_with_the_error_hook()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("Rewriter", TestPaths.TestPlugin("Rewriter"), 1), TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 2)]);
        var flow = FlowLifecycle.NewFlow("http://example.com/kill");
        flow.Response = new HttpResponse();

        var completed = await Injector(host).InjectAsync(flow);

        Assert.That(completed, Is.False);
        Assert.That(FlowHooks(await host.RecordedAsync("recorder")).Where(r => !r.StartsWith("update", StringComparison.Ordinal)),
            Is.EqualTo(new[] { "requestheaders:example.com/kill", "request:example.com/kill", "error:example.com/kill" }));
    }

    [Test]
    public async Task Tcp_udp_and_dns_flows_get_their_hooks_in_mitmproxys_order_each_followed_by_update()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)]);
        var now = DateTimeOffset.UtcNow;
        var tcp = new TcpFlow { Messages = [new() { FromClient = true, Content = "hello"u8.ToArray(), Timestamp = now }, new() { Content = "it's me"u8.ToArray(), Timestamp = now }] };
        var udp = new UdpFlow { Messages = [new() { FromClient = true, Content = "ping"u8.ToArray(), Timestamp = now }], Error = new FlowError("timed out", now) };
        var dns = new DnsFlow
        {
            Request = new DnsMessage { Questions = [new DnsQuestion("dns.google")] },
            Response = new DnsMessage { Query = false, Answers = [new DnsResourceRecord("dns.google", 1, 1, 300, [8, 8, 8, 8])] },
            Error = new FlowError("late", now),
        };

        Assert.That(await Injector(host).InjectAsync(tcp), Is.True);
        Assert.That(await Injector(host).InjectAsync(udp), Is.True);
        Assert.That(await Injector(host).InjectAsync(dns), Is.True);

        Assert.That((await host.RecordedAsync("recorder")).Where(r => r.Contains('#', StringComparison.Ordinal) || r == "update").ToArray(), Is.EqualTo(new[]
        {
            "tcp_start#0", "update", "tcp_message#1", "update", "tcp_message#2", "update", "tcp_end#2", "update",
            "udp_start#0", "update", "udp_message#1", "update", "udp_error#1", "update",
            "dns_request#0", "update", "dns_response#1", "update", "dns_error#1", "update",
        }));
        Assert.That((tcp.Live, udp.Live, dns.Live), Is.EqualTo((false, false, false)));
    }

    [Test]
    public async Task A_flow_type_the_host_does_not_know_is_refused_and_the_refusal_names_the_flow()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)]);
        var flow = new TcpTestFlow();

        var error = Assert.ThrowsAsync<ArgumentException>(async () => await Injector(host).InjectAsync(flow));

        Assert.That(error!.Message, Does.StartWith($"Flow {flow.Id} is a Tcp flow, which cannot be put through the hooks."));
    }

    private static IFlowInjector Injector(TestHost host) => host.Services.GetRequiredService<FlowInjector>();

    private static string[] FlowHooks(string[] recorded) => [.. recorded.Where(r => r.Contains(':', StringComparison.Ordinal) && !r.StartsWith("configure", StringComparison.Ordinal))];

    private sealed class TcpTestFlow : Flow
    {
        public override FlowType Type => FlowType.Tcp;

        public override Flow Copy() => new TcpTestFlow();
    }
}
