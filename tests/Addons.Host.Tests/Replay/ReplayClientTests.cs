using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Options;
using Addons.Host.Chain;
using Addons.Host.Interop;
using Addons.Host.Replay;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Addons.Host.Tests.Replay;

/// <summary>
/// mitmproxy's client replay (the built-in clientplayback addon) through the real host, against real servers on
/// loopback: replays are new flows that go through every addon, wait in a queue and end in a response or an error.
/// </summary>
public sealed class ReplayClientTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-replay-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task A_replayed_flow_reaches_the_origin_again_as_a_new_flow_marked_as_a_replay()
    {
        await using var origin = RawOrigin.Answering(Ok("fresh"));
        var probe = new FlowProbe();
        await using var proxy = await ProxyHarness.StartAsync([View], [probe]);
        using var client = proxy.CreateClient();
        Assert.That(await client.GetStringAsync(origin.Url("/hello")), Is.EqualTo("fresh"));
        var captured = await probe.EndedAsync(f => f.Request.Path == "/hello");

        Assert.That(await proxy.Host.ExecuteAsync("replay.client", $"@{captured.Id}"), Is.EqualTo(1));
        var replay = await probe.EndedAsync(f => f.IsReplay == ReplayKind.Request);

        Assert.That(origin.Requests, Has.Count.EqualTo(2), "the request went to the server again");
        Assert.That(replay.Id, Is.Not.EqualTo(captured.Id), "a new flow, with an id of its own");
        Assert.That(replay.TimestampCreated, Is.GreaterThan(captured.TimestampCreated), "created when it was queued, so it sorts after the original");
        Assert.That(replay.Request.Url, Is.EqualTo(captured.Request.Url));
        Assert.That(replay.Response?.StatusCode, Is.EqualTo(200));
        Assert.That(replay.Response?.Content, Is.EqualTo("fresh"u8.ToArray()));
        Assert.That(replay.Error, Is.Null);
        Assert.That(probe.HooksOf(replay), Is.EqualTo(new[] { "requestheaders", "request", "responseheaders", "response" }), "through every addon, as a captured flow");
        Assert.That(replay.Live, Is.False);
        Assert.That(captured.IsReplay, Is.EqualTo(ReplayKind.None), "the original stays as it was");
        Assert.That(Ids(await proxy.Host.ExecuteAsync("view.flows.resolve", "~replayq")), Is.EqualTo(new[] { replay.Id }), "the View has it, and ~replayq picks it alone");
        Assert.That(Ids(await proxy.Host.ExecuteAsync("view.flows.resolve", "~replay")), Is.EqualTo(new[] { replay.Id }));
        Assert.That(Ids(await proxy.Host.ExecuteAsync("view.flows.resolve", "@all")), Is.EquivalentTo(new[] { captured.Id, replay.Id }));
    }

    [Test]
    public async Task An_unknown_id_a_tcp_flow_a_live_flow_and_an_intercepted_flow_are_refused_with_a_sentence_naming_them()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var origin = new RawOrigin(async (stream, head) =>
        {
            if (PathOf(head) == "/slow")
            {
                await release.Task;
            }

            await stream.WriteAsync(Encoding.Latin1.GetBytes(Ok("done")));
        });
        var probe = new FlowProbe();
        await using var proxy = await ProxyHarness.StartAsync([View], [probe], "--set", "intercept=~u /held");
        using var client = proxy.CreateClient();

        var unknown = Guid.NewGuid();
        var tcp = new TcpFlow { Messages = [new() { FromClient = true, Content = "hello"u8.ToArray() }] };
        await proxy.Host.Services.GetRequiredService<FlowInjector>().InjectAsync(tcp);
        var slow = client.GetStringAsync(origin.Url("/slow"));
        var live = await probe.SeenAsync(f => f.Request.Path == "/slow" && f.Live);
        var held = client.GetStringAsync(origin.Url("/held"));
        var intercepted = await probe.SeenAsync(f => f.Request.Path == "/held" && f.Intercepted);

        Assert.That(await RefusalAsync(proxy, $"@{unknown}"), Is.EqualTo("No flow was selected, so nothing was queued for replay (an @id that names no flow of the view selects none)."));
        Assert.That(await RefusalAsync(proxy, $"@{tcp.Id}"), Is.EqualTo($"Flow {tcp.Id} is a TCP flow; only HTTP flows can be replayed."));
        Assert.That(await RefusalAsync(proxy, $"@{live.Id}"), Is.EqualTo($"Flow {live.Id} is live: its exchange is still under way; replay it once it has completed."));
        Assert.That(await RefusalAsync(proxy, $"@{intercepted.Id}"), Is.EqualTo($"Flow {intercepted.Id} is intercepted; resume it (flow.resume) or kill it (flow.kill) before replaying it."));
        Assert.That(await proxy.Host.ExecuteAsync("replay.client.count"), Is.Zero);

        release.SetResult();
        await proxy.Host.Options.SetAsync(new Dictionary<string, string> { ["intercept"] = "" });
        await proxy.Host.ExecuteAsync("flow.resume", "@all");
        Assert.That(await slow.WaitAsync(Patience), Is.EqualTo("done"));
        Assert.That(await held.WaitAsync(Patience), Is.EqualTo("done"));
        Assert.That(probe.Ended.Where(f => f.IsReplay != ReplayKind.None), Is.Empty, "nothing was replayed");
    }

    [Test]
    public async Task A_missing_or_a_garbled_file_is_named_and_nothing_is_queued()
    {
        await using var proxy = await ProxyHarness.StartAsync([View]);
        var missing = Path.Combine(_folder, "missing.mitm");
        var garbled = Path.Combine(_folder, "garbled.har");
        await File.WriteAllTextAsync(garbled, "{ \"log\": { \"entries\": [ { \"request\": 42 } ] } }");

        var missingError = Assert.ThrowsAsync<CommandException>(async () => await proxy.Host.ExecuteAsync("replay.client.file", missing));
        var garbledError = Assert.ThrowsAsync<CommandException>(async () => await proxy.Host.ExecuteAsync("replay.client.file", garbled));

        Assert.That(missingError!.Message, Is.EqualTo($"Flow file {missing} does not exist, so nothing was queued for replay."));
        Assert.That(garbledError!.Message, Does.StartWith($"Flow file {garbled}").And.EndWith(", so nothing was queued for replay."));
        Assert.That(await proxy.Host.ExecuteAsync("replay.client.count"), Is.Zero);
    }

    [Test]
    public void A_missing_client_replay_file_stops_the_start_with_its_name()
    {
        var missing = Path.Combine(_folder, "missing.mitm");

        var error = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync([], "-C", missing));

        Assert.That(error!.Message, Does.Contain($"client_replay: flow file {missing} does not exist."));
    }

    [Test]
    public async Task A_server_refusing_the_connection_ends_the_replay_in_the_error_hook_with_the_reason()
    {
        var port = ClosedPort();
        var file = WriteFlows("refused.mitm", $"http://127.0.0.1:{port}/gone");
        var probe = new FlowProbe();
        await using var proxy = await ProxyHarness.StartAsync([], [probe]);

        Assert.That(await proxy.Host.ExecuteAsync("replay.client.file", file), Is.EqualTo(1));
        var replay = await probe.EndedAsync(f => f.Request.Path == "/gone");

        Assert.That(replay.Error?.Message, Is.EqualTo($"127.0.0.1:{port} refused the connection."));
        Assert.That(replay.Response, Is.Null);
        Assert.That(probe.HooksOf(replay), Is.EqualTo(new[] { "requestheaders", "request", "error" }));
        Assert.That(proxy.Host.Logs.Lines.Select(l => l.Message), Has.Some.EqualTo($"Replay {replay.Id} of GET http://127.0.0.1:{port}/gone failed: 127.0.0.1:{port} refused the connection."));
    }

    [Test]
    public async Task Concurrency_one_sends_each_replay_once_the_one_before_it_ended_in_queue_order()
    {
        var probe = new FlowProbe();
        await using var origin = new GatedOrigin(probe);
        var file = WriteFlows("three.mitm", origin.Url("/a"), origin.Url("/b"), origin.Url("/c"));
        await using var proxy = await ProxyHarness.StartAsync([], [probe], "--set", "client_replay_concurrency=1");

        Assert.That(await proxy.Host.ExecuteAsync("replay.client.file", file), Is.EqualTo(3));
        var first = await origin.NextArrivalAsync();
        Assert.That(await proxy.Host.ExecuteAsync("replay.client.count"), Is.EqualTo(3), "one in flight and two waiting");
        origin.Release("/a");
        var second = await origin.NextArrivalAsync();
        origin.Release("/b");
        var third = await origin.NextArrivalAsync();
        origin.Release("/c");
        await probe.EndedAsync(f => f.Request.Path == "/c");

        Assert.That(new[] { first.Path, second.Path, third.Path }, Is.EqualTo(new[] { "/a", "/b", "/c" }), "in the order of the file");
        Assert.That(first.EndedBefore, Is.Empty);
        Assert.That(second.EndedBefore, Is.EqualTo(new[] { "/a" }), "/b was sent only once /a had ended");
        Assert.That(third.EndedBefore, Is.EqualTo(new[] { "/a", "/b" }));
    }

    [Test]
    public async Task Concurrency_minus_one_sends_every_replay_at_once_and_zero_is_refused()
    {
        var probe = new FlowProbe();
        await using var origin = new GatedOrigin(probe);
        var file = WriteFlows("three.mitm", origin.Url("/a"), origin.Url("/b"), origin.Url("/c"));
        await using var proxy = await ProxyHarness.StartAsync([], [probe], "--set", "client_replay_concurrency=-1");

        var error = Assert.ThrowsAsync<OptionsException>(async () => await proxy.Host.Options.SetAsync(new Dictionary<string, string> { ["client_replay_concurrency"] = "0" }));
        Assert.That(error!.Message, Does.Contain("client_replay_concurrency must be 1 or more, or -1 for no limit, not 0."));
        Assert.That(proxy.Host.Options.Get<int>("client_replay_concurrency"), Is.EqualTo(-1), "rolled back");

        Assert.That(await proxy.Host.ExecuteAsync("replay.client.file", file), Is.EqualTo(3));
        var arrived = new[] { await origin.NextArrivalAsync(), await origin.NextArrivalAsync(), await origin.NextArrivalAsync() };

        Assert.That(arrived.Select(a => a.Path), Is.EquivalentTo(new[] { "/a", "/b", "/c" }), "all three are in flight together");
        Assert.That(arrived.SelectMany(a => a.EndedBefore), Is.Empty);
        origin.Release("/a", "/b", "/c");
        foreach (var path in new[] { "/a", "/b", "/c" })
        {
            Assert.That((await probe.EndedAsync(f => f.Request.Path == path)).Response?.StatusCode, Is.EqualTo(200));
        }
    }

    [Test]
    public async Task Stop_takes_the_waiting_replays_off_the_queue_and_lets_the_one_in_flight_finish()
    {
        var probe = new FlowProbe();
        await using var origin = new GatedOrigin(probe);
        var file = WriteFlows("three.mitm", origin.Url("/a"), origin.Url("/b"), origin.Url("/c"));
        var last = WriteFlows("last.mitm", origin.Url("/last"));
        await using var proxy = await ProxyHarness.StartAsync([], [probe]);

        await proxy.Host.ExecuteAsync("replay.client.file", file);
        await origin.NextArrivalAsync();
        Assert.That(await proxy.Host.ExecuteAsync("replay.client.stop"), Is.EqualTo(2), "/b and /c were waiting");
        Assert.That(await proxy.Host.ExecuteAsync("replay.client.count"), Is.EqualTo(1), "/a is still in flight");

        // Queued after the stop, /last goes once /a ended; /b or /c would go before it had the queue kept them.
        await proxy.Host.ExecuteAsync("replay.client.file", last);
        origin.Release("/a", "/last");
        var after = await origin.NextArrivalAsync();
        await probe.EndedAsync(f => f.Request.Path == "/last");

        Assert.That(after.Path, Is.EqualTo("/last"));
        Assert.That(origin.Arrived, Is.EqualTo(new[] { "/a", "/last" }));
        Assert.That(probe.Ended.Select(f => f.Request.Path), Is.EqualTo(new[] { "/a", "/last" }), "the flows taken off never went through the hooks");
        Assert.That(proxy.Host.Logs.Lines.Select(l => l.Message), Has.Member("Client replay queue cleared: 2 flows taken off"));
    }

    [Test]
    public async Task Stopping_the_host_ends_a_replay_in_flight_in_its_error_hook()
    {
        var probe = new FlowProbe();
        await using var origin = new GatedOrigin(probe);
        var file = WriteFlows("one.mitm", origin.Url("/never"));
        var proxy = await ProxyHarness.StartAsync([], [probe]);
        try
        {
            await proxy.Host.ExecuteAsync("replay.client.file", file);
            await origin.NextArrivalAsync();
        }
        finally
        {
            await proxy.DisposeAsync().AsTask().WaitAsync(Patience);
        }

        var replay = await probe.EndedAsync(f => f.Request.Path == "/never");
        Assert.That(replay.Error?.Message, Is.EqualTo(ReplaySender.StoppedMessage));
        Assert.That(probe.HooksOf(replay), Is.EqualTo(new[] { "requestheaders", "request", "error" }));
    }

    [Test]
    public async Task An_https_replay_verifies_the_servers_certificate_as_the_proxy_does()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        var file = WriteFlows("https.mitm", origin.Https("/hello"));
        var probe = new FlowProbe();
        await using var proxy = await ProxyHarness.StartAsync([], [probe]);

        await proxy.Host.ExecuteAsync("replay.client.file", file);
        var untrusted = await probe.EndedAsync(f => f.Request.Path == "/hello");
        await proxy.Host.Options.SetAsync(new Dictionary<string, string> { ["ssl_verify_upstream_trusted_ca"] = origin.CertificatePemPath });
        await proxy.Host.ExecuteAsync("replay.client.file", file);
        var trusted = await probe.EndedAsync(f => f.Request.Path == "/hello" && f != untrusted);

        Assert.That(untrusted.Error?.Message, Does.StartWith($"The TLS handshake with localhost:{origin.HttpsPort} failed: the certificate of localhost is not valid").And.EndWith("set ssl_insecure=true to connect anyway."));
        Assert.That(trusted.Error, Is.Null);
        Assert.That(trusted.Response?.Content, Is.EqualTo("hello"u8.ToArray()));
        Assert.That(trusted.Server.TlsEstablished, Is.True);
    }

    private static string View => TestHost.Entry("View", TestPaths.ShippedPlugin("View"), 1);

    private static async Task<string> RefusalAsync(ProxyHarness proxy, string selector)
    {
        try
        {
            await proxy.Host.ExecuteAsync("replay.client", selector);
        }
        catch (CommandException e)
        {
            return e.Message;
        }

        Assert.Fail($"replay.client {selector} was not refused.");
        return "";
    }

    private static Guid[] Ids(object? flows) => [.. ((IReadOnlyList<Flow>)flows!).Select(f => f.Id)];

    /// <summary>A mitmproxy flow file of GET requests without responses, in order.</summary>
    private string WriteFlows(string name, params string[] urls)
    {
        var path = Path.Combine(_folder, name);
        using var stream = File.Create(path);
        MitmproxyFlowFile.WriteFlows(stream, urls.Select(url =>
        {
            var flow = FlowLifecycle.NewFlow(url);
            flow.Live = false;
            flow.Request.Content = [];
            return flow;
        }));
        return path;
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string PathOf(string head) => head.Split(' ', 3)[1];

    private static string Ok(string body) => $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}";

    /// <summary>
    /// A server that answers each path only once the test releases it, and tells the test of each request as it
    /// arrives, with the paths of the flows whose end the probe had seen by then.
    /// </summary>
    private sealed class GatedOrigin : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
        private readonly Channel<(string Path, string[] EndedBefore)> _arrivals = Channel.CreateUnbounded<(string, string[])>();
        private readonly ConcurrentQueue<string> _arrived = new();
        private readonly RawOrigin _origin;

        public GatedOrigin(FlowProbe probe) => _origin = new RawOrigin(async (stream, head) =>
        {
            var path = PathOf(head);
            _arrived.Enqueue(path);
            _arrivals.Writer.TryWrite((path, [.. probe.Ended.Select(f => f.Request.Path)]));
            await Gate(path).Task;
            await stream.WriteAsync(Encoding.Latin1.GetBytes(Ok(path)));
        });

        public IReadOnlyList<string> Arrived => [.. _arrived];

        public string Url(string path) => _origin.Url(path);

        public Task<(string Path, string[] EndedBefore)> NextArrivalAsync() => _arrivals.Reader.ReadAsync().AsTask().WaitAsync(Patience);

        public void Release(params string[] paths)
        {
            foreach (var path in paths)
            {
                Gate(path).TrySetResult();
            }
        }

        public ValueTask DisposeAsync() => _origin.DisposeAsync();

        private TaskCompletionSource Gate(string path) => _gates.GetOrAdd(path, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
