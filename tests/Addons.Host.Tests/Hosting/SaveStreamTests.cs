using System.Text;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Interop;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// -w (the built-in save addon) in the real host: every flow it sees is written once, finished or not, as mitmproxy's
/// save does, and its closing line accounts for every flow that was not.
/// </summary>
public sealed class SaveStreamTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-save-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task Every_flow_read_is_written_in_order_complete_request_only_killed_and_failed()
    {
        var file = Path.Combine(_folder, "out.mitm");
        var flows = MixedFlows();
        await using var host = await StartAsync("--set", $"save_stream_file={file}");

        foreach (var flow in flows)
        {
            await Injector(host).InjectAsync(flow);
        }

        await host.StopAsync();

        var written = MitmproxyFlowFile.ReadFlows(file).ToList();
        Assert.That(written.Select(f => f.Id), Is.EqualTo(flows.Select(f => f.Id)));
        Assert.That(written.Select(Outcome), Is.EqualTo(flows.Select(Outcome)));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Member($"Wrote {flows.Count} flows to {file}"));
    }

    [Test]
    public async Task A_flow_still_open_when_the_host_stops_is_written_as_it_stands()
    {
        var file = Path.Combine(_folder, "open.mitm");
        await using var host = await StartAsync("--set", $"save_stream_file={file}");
        var open = FlowLifecycle.NewFlow("https://example.com/slow");

        // The proxy has read the request and waits for the server when the host stops.
        await host.Chain.HandleFlowAsync(Hook.RequestHeaders, new HttpFlowContext(open, CancellationToken.None));
        await host.Chain.HandleFlowAsync(Hook.Request, new HttpFlowContext(open, CancellationToken.None));
        await host.StopAsync();

        var written = MitmproxyFlowFile.Read(file).Single();
        Assert.That((written.Id, written.Request.Url, written.Response, written.Error), Is.EqualTo((open.Id, "https://example.com/slow", (HttpResponse?)null, (FlowError?)null)));
    }

    [Test]
    public async Task A_websocket_flow_is_written_once_when_it_ends_with_its_messages()
    {
        var file = Path.Combine(_folder, "ws.mitm");
        await using var host = await StartAsync("--set", $"save_stream_file={file}");
        var flow = FlowLifecycle.NewFlow("https://example.com/socket");
        var context = new HttpFlowContext(flow, CancellationToken.None);

        // As the proxy runs it: the upgrade's response, then the messages as they pass, then the end.
        await host.Chain.HandleFlowAsync(Hook.RequestHeaders, context);
        await host.Chain.HandleFlowAsync(Hook.Request, context);
        flow.Response = HttpResponse.Create(101, "");
        flow.WebSocket = new WebSocketData();
        await host.Chain.HandleFlowAsync(Hook.Response, context);
        await host.Chain.HandleFlowAsync(Hook.WebSocketStart, context);
        foreach (var text in new[] { "ping", "pong" })
        {
            flow.WebSocket.Messages.Add(new WebSocketMessage { FromClient = text == "ping", Type = WebSocketMessageType.Text, Content = Encoding.ASCII.GetBytes(text), Timestamp = DateTimeOffset.UtcNow });
            await host.Chain.HandleFlowAsync(Hook.WebSocketMessage, context);
        }

        flow.WebSocket.TimestampEnd = DateTimeOffset.UtcNow;
        await host.Chain.HandleFlowAsync(Hook.WebSocketEnd, context);
        flow.Live = false;
        await host.StopAsync();

        var written = MitmproxyFlowFile.Read(file).Single();
        Assert.That(written.WebSocket!.Messages.Select(m => Encoding.ASCII.GetString(m.Content)), Is.EqualTo(new[] { "ping", "pong" }));
    }

    [Test]
    public async Task A_flow_an_addon_kills_is_written_with_its_error()
    {
        var file = Path.Combine(_folder, "killed.mitm");
        await using var host = await TestHost.StartAsync([TestHost.Entry("Rewriter", TestPaths.TestPlugin("Rewriter"), 1)], "--set", $"save_stream_file={file}");
        var flow = FlowLifecycle.NewFlow("https://example.com/kill");

        var went = await Injector(host).InjectAsync(flow);
        await host.StopAsync();

        Assert.That(went, Is.False);
        Assert.That(MitmproxyFlowFile.Read(file).Single().Error!.Message, Is.EqualTo(FlowError.KilledMessage));
    }

    [Test]
    public async Task The_closing_line_says_why_flows_were_not_written()
    {
        var file = Path.Combine(_folder, "out.har");
        await using var host = await StartAsync("--set", $"save_stream_file={file}", "--set", "save_stream_filter=!~u /skip");
        var tcp = new TcpFlow { Messages = [new() { FromClient = true, Content = "hello"u8.ToArray() }] };

        await Injector(host).InjectAsync(Http("https://example.com/a", 200));
        await Injector(host).InjectAsync(Http("https://example.com/skip", 200));
        await Injector(host).InjectAsync(tcp);
        await Injector(host).InjectAsync(FlowLifecycle.NewFlow("https://example.com/asked"));
        await host.StopAsync();

        Assert.That(HarFile.Read(file).Select(f => f.Request.Url), Is.EqualTo(new[] { "https://example.com/a", "https://example.com/asked" }));
        Assert.That(host.Logs.Lines.Select(l => l.Message),
            Has.Member($"Wrote 2 flows to {file}; not written: 1 did not match save_stream_filter, 1 TCP flow the format cannot hold"));
    }

    /// <summary>What each kind of flow a capture holds looks like: complete, request-only, killed, failed, TCP, DNS.</summary>
    internal static List<Flow> MixedFlows()
    {
        var killed = Http("https://example.com/killed", 0);
        killed.Error = new FlowError(FlowError.KilledMessage, DateTimeOffset.UtcNow);
        var killedLate = Http("https://example.com/killed-late", 200);
        killedLate.Error = new FlowError(FlowError.KilledMessage, DateTimeOffset.UtcNow);
        var failed = Http("https://example.com/refused", 0);
        failed.Error = new FlowError("Connection refused", DateTimeOffset.UtcNow);
        var tcp = new TcpFlow { Messages = [new() { FromClient = true, Content = "hello"u8.ToArray() }] };
        tcp.Server.Address = new HostPort("example.com", 22);
        var dns = new DnsFlow { Request = new DnsMessage { Questions = [new DnsQuestion("example.com")] } };
        return [Http("https://example.com/ok", 200), Http("https://example.com/asked", 0), killed, killedLate, failed, tcp, dns];
    }

    private static string Outcome(Flow flow) => flow switch
    {
        HttpFlow http => $"{http.Request.Url} {http.Response?.StatusCode} {http.Error?.Message}",
        _ => $"{flow.Type} {flow.Error?.Message}",
    };

    private static HttpFlow Http(string url, int status)
    {
        var flow = FlowLifecycle.NewFlow(url);
        flow.Live = false;
        flow.Client.PeerName = new HostPort("127.0.0.1", 50000);
        if (status > 0)
        {
            flow.Response = new HttpResponse { StatusCode = status, Reason = ReasonPhrases.For(status), Content = "body"u8.ToArray(), TimestampStart = DateTimeOffset.UtcNow, TimestampEnd = DateTimeOffset.UtcNow };
        }

        return flow;
    }

    private static FlowInjector Injector(TestHost host) => host.Services.GetRequiredService<FlowInjector>();

    private static Task<TestHost> StartAsync(params string[] args) =>
        TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)], args);
}
