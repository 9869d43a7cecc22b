using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Tests.Infrastructure;
using Addons.Host.Tests.Proxy.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Addons.Host.Tests.Proxy;

/// <summary>
/// gRPC (Grpc.Net.Client) through the explicit proxy to a gRPC origin (Kestrel over TLS): the client's CONNECT tunnel is
/// intercepted and h2 negotiated with it by ALPN. Every call kind must pass unchanged, with its status and trailers;
/// a deadline must end the call at the client and its flow in error. gRPC needs HTTP/2 on both sides, so these pass
/// only once the proxy speaks HTTP/2 to servers that offer it. Every call has a deadline and every test a
/// cancellation token of at most 15 s, so that a proxy that holds a stream's body makes a test fail, not hang.
/// </summary>
public sealed class GrpcThroughProxyTests
{
    private static readonly TimeSpan CallTime = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FlowTime = TimeSpan.FromSeconds(8);
    private string _folder = null!;
    private GrpcOrigin _origin = null!;
    private ProxyHarness? _proxy;
    private FlowProbe _probe = null!;

    private static CancellationToken Token => TestContext.CurrentContext.CancellationToken;

    [SetUp]
    public async Task StartOriginAsync()
    {
        _folder = Directory.CreateTempSubdirectory("addons-grpc-").FullName;
        _origin = await GrpcOrigin.StartAsync(_folder);
    }

    [TearDown]
    public async Task StopAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
            _proxy = null;
        }

        await _origin.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The fixture itself: every call kind works against the origin with no proxy in between.</summary>
    [Test]
    [CancelAfter(15_000)]
    public async Task TheOriginAnswersEveryCallKindDirectly()
    {
        using var channel = Direct();
        var client = new Echoer.EchoerClient(channel);

        Assert.That((await client.EchoAsync(new EchoRequest { Text = "direct" }, deadline: Deadline(), cancellationToken: Token)).Text, Is.EqualTo("direct"));
        using (var count = client.Count(new CountRequest { N = 5 }, deadline: Deadline(), cancellationToken: Token))
        {
            Assert.That(await ReadAllAsync(count.ResponseStream), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
        }

        using (var sum = client.Sum(deadline: Deadline(), cancellationToken: Token))
        {
            await WriteAllAsync(sum.RequestStream, [1, 2, 3]);
            Assert.That((await sum.ResponseAsync).Value, Is.EqualTo(6));
        }

        using (var chat = client.Chat(deadline: Deadline(), cancellationToken: Token))
        {
            Assert.That(await ChatAsync(chat, ["a", "b"]), Is.EqualTo(new[] { "a", "b" }));
        }

        var failure = Assert.ThrowsAsync<RpcException>(async () => await client.FailAsync(new FailRequest { Text = "direct" }, deadline: Deadline(), cancellationToken: Token));
        Assert.That((failure.StatusCode, failure.Status.Detail, failure.Trailers.GetValue("x-reason")), Is.EqualTo((StatusCode.FailedPrecondition, "direct", GrpcOrigin.FailReason)));

        var late = Assert.ThrowsAsync<RpcException>(async () => await client.SlowAsync(new SlowRequest { DelayMs = 10_000 }, deadline: DateTime.UtcNow.AddMilliseconds(300), cancellationToken: Token));
        Assert.That(late.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
        Assert.That(await _origin.Slow.Ended.WaitAsync(FlowTime, Token), Is.EqualTo("cancelled"), "the client's reset cancels the call at the origin");
        Assert.That(_origin.Slow.Protocol, Is.EqualTo("HTTP/2"));
        Assert.That(_origin.Slow.GrpcTimeout, Does.Match("^[0-9]{1,8}[HMSmun]$"), "the client sent its deadline as grpc-timeout");
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task AUnaryCallPassesUnchanged()
    {
        await StartProxyAsync();
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);
        var text = "hello, gRPC: grüße 👋";

        using var call = client.EchoAsync(new EchoRequest { Text = text }, deadline: Deadline(), cancellationToken: Token);
        var reply = await call.ResponseAsync;

        Assert.That(reply.Text, Is.EqualTo(text));
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task AUnaryCallLargerThanTheFlowControlWindowsPassesWhole()
    {
        await StartProxyAsync();
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);
        var text = string.Concat(Enumerable.Range(0, 150_000).Select(i => (char)('a' + (i % 26)))) + "|end";

        var reply = await client.EchoAsync(new EchoRequest { Text = text }, deadline: Deadline(), cancellationToken: Token);

        Assert.That(reply.Text, Has.Length.EqualTo(text.Length));
        Assert.That(reply.Text, Is.EqualTo(text));
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task AServerStreamingCallPassesEveryMessageInOrder()
    {
        await StartProxyAsync();
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);

        using var call = client.Count(new CountRequest { N = 200 }, deadline: Deadline(), cancellationToken: Token);
        var numbers = await ReadAllAsync(call.ResponseStream);

        Assert.That(numbers, Is.EqualTo(Enumerable.Range(1, 200).Select(i => (long)i)));
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
        var flow = await EndedAsync("/addons.tests.Echoer/Count");
        Assert.That(Messages(flow.Response!.Content, Number.Parser).Select(n => n.Value), Is.EqualTo(numbers), "the flow holds the messages the client got");
    }

    [Test]
    [CancelAfter(15_000)]
    public async Task AClientStreamingCallPassesEveryMessage()
    {
        await StartProxyAsync();
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);
        var sent = Enumerable.Range(1, 200).Select(i => (long)i * 1_000_003).ToArray();

        using var call = client.Sum(deadline: Deadline(), cancellationToken: Token);
        await WriteAllAsync(call.RequestStream, sent);
        var sum = await call.ResponseAsync;

        Assert.That(sum.Value, Is.EqualTo(sent.Sum()));
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
        var flow = await EndedAsync("/addons.tests.Echoer/Sum");
        Assert.That(Messages(flow.Request.Content, Number.Parser).Select(n => n.Value), Is.EqualTo(sent), "the flow holds the messages the client sent, in order");
    }

    /// <summary>
    /// Each message waits for its echo before the next is sent, so the request stream stays open while the response
    /// flows: a proxy that holds the request body until its end never forwards the first message.
    /// </summary>
    [Test]
    [CancelAfter(15_000)]
    public async Task ABidirectionalCallEchoesEachMessageBeforeTheNextIsSent()
    {
        await StartProxyAsync();
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);
        string[] sent = ["one", "two", "three", "four", "five"];

        using var call = client.Chat(deadline: Deadline(), cancellationToken: Token);
        var echoed = await ChatAsync(call, sent);

        Assert.That(echoed, Is.EqualTo(sent));
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
    }

    /// <summary>As above, with an addon that streams both bodies of gRPC flows (as an addon may decide in its header hooks).</summary>
    [Test]
    [CancelAfter(15_000)]
    public async Task ABidirectionalCallPassesWhenAnAddonStreamsGrpcBodies()
    {
        await StartProxyAsync(new StreamGrpcBodies());
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);
        string[] sent = ["one", "two", "three"];

        using var call = client.Chat(deadline: Deadline(), cancellationToken: Token);
        var echoed = await ChatAsync(call, sent);

        Assert.That(echoed, Is.EqualTo(sent));
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
        var flow = await EndedAsync("/addons.tests.Echoer/Chat");
        Assert.That((flow.Request.Stream, flow.Response!.Stream, flow.Error), Is.EqualTo((true, true, (FlowError?)null)));
    }

    /// <summary>
    /// A failure's status, its percent-encoded detail and its trailing metadata reach the client unchanged: in a
    /// trailers-only response (one HEADERS frame) and in real trailers after the response headers.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    [CancelAfter(15_000)]
    public async Task AFailedCallsStatusDetailAndTrailerArriveUnchanged(bool headersFirst)
    {
        await StartProxyAsync();
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);
        var detail = "not ready: 100% sure, grüße";

        using var call = client.FailAsync(new FailRequest { Text = detail, HeadersFirst = headersFirst }, deadline: Deadline(), cancellationToken: Token);
        var failure = Assert.ThrowsAsync<RpcException>(async () => await call.ResponseAsync);

        Assert.That(failure.StatusCode, Is.EqualTo(StatusCode.FailedPrecondition), failure.Status.Detail);
        Assert.That(failure.Status.Detail, Is.EqualTo(detail));
        Assert.That(failure.Trailers.GetValue("x-reason"), Is.EqualTo(GrpcOrigin.FailReason));
        Assert.That(failure.Trailers.GetValueBytes("x-text-bin"), Is.EqualTo(System.Text.Encoding.UTF8.GetBytes(detail)), "a binary trailer");
        if (headersFirst)
        {
            Assert.That((await call.ResponseHeadersAsync).GetValue("x-early"), Is.EqualTo("yes"), "the response headers came before the trailers");
        }

        var flow = await EndedAsync("/addons.tests.Echoer/Fail");
        Assert.That(flow.Error, Is.Null, "a gRPC failure is an HTTP response like any other");
        // Trailers-only: the status is in the one header list; otherwise in the trailers.
        var status = headersFirst ? flow.Response!.Trailers : flow.Response!.Headers;
        Assert.Multiple(() =>
        {
            Assert.That(flow.Response.StatusCode, Is.EqualTo(200));
            Assert.That(status?["grpc-status"], Is.EqualTo(((int)StatusCode.FailedPrecondition).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(status?["x-reason"], Is.EqualTo(GrpcOrigin.FailReason));
            Assert.That(Uri.UnescapeDataString(status?["grpc-message"] ?? ""), Is.EqualTo(detail));
        });
    }

    /// <summary>The client gives up at its deadline: it sees DEADLINE_EXCEEDED, and the proxy's flow ends in error.</summary>
    [Test]
    [CancelAfter(15_000)]
    public async Task ADeadlineEndsTheSlowCallAtTheClientAndItsFlowInError()
    {
        await StartProxyAsync();
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);
        var clock = Stopwatch.StartNew();

        var failure = Assert.ThrowsAsync<RpcException>(async () =>
            await client.SlowAsync(new SlowRequest { DelayMs = 12_000 }, deadline: DateTime.UtcNow.AddMilliseconds(300), cancellationToken: Token));

        Assert.That(failure.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded), failure.Status.Detail);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "the client's own deadline ended the call");
        var flow = await EndedAsync(GrpcOrigin.SlowPath);
        Assert.That(_probe.HooksOf(flow), Has.Member("error").And.No.Member("response"));
        Assert.That(flow.Error, Is.Not.Null, "the flow of a call the client abandoned ends in error");
        Assert.That(flow.Error!.Message, Does.Contain("reset").IgnoreCase, flow.Error.Message);
        Assert.That(flow.Request.Headers["grpc-timeout"], Is.Not.Null, "the client's deadline went upstream as grpc-timeout");
        Assert.That(_origin.Slow.GrpcTimeout, Is.EqualTo(flow.Request.Headers["grpc-timeout"]));
    }

    /// <summary>The proxy passes the client's cancel on: the origin's call is cancelled, not left to run its 12 s.</summary>
    [Test]
    [CancelAfter(15_000)]
    public async Task ADeadlineAtTheClientCancelsTheCallAtTheOrigin()
    {
        await StartProxyAsync();
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);

        var failure = Assert.ThrowsAsync<RpcException>(async () =>
            await client.SlowAsync(new SlowRequest { DelayMs = 12_000 }, deadline: DateTime.UtcNow.AddMilliseconds(300), cancellationToken: Token));

        Assert.That(failure.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded), failure.Status.Detail);
        Assert.That(await _origin.Slow.Ended.WaitAsync(FlowTime, Token), Is.EqualTo("cancelled"));
    }

    /// <summary>What the proxy records of a gRPC call: an HTTP/2 flow with gRPC's content type, messages and trailers.</summary>
    [Test]
    [CancelAfter(15_000)]
    public async Task GrpcFlowsAreHttp2WithTheirMessagesAndTrailers()
    {
        await StartProxyAsync();
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);

        var reply = await client.EchoAsync(new EchoRequest { Text = "recorded" }, deadline: Deadline(), cancellationToken: Token);

        Assert.That(reply.Text, Is.EqualTo("recorded"));
        var flow = await EndedAsync("/addons.tests.Echoer/Echo");
        Assert.Multiple(() =>
        {
            Assert.That(flow.Client.Alpn, Is.EqualTo("h2"));
            Assert.That(flow.Request.HttpVersion, Is.EqualTo("HTTP/2.0"));
            Assert.That((flow.Request.Method, flow.Request.Scheme, flow.Request.Host, flow.Request.Port), Is.EqualTo(("POST", "https", "localhost", _origin.Port)));
            Assert.That(flow.Request.Headers["content-type"], Is.EqualTo("application/grpc"));
            Assert.That(flow.Request.Headers["te"], Is.EqualTo("trailers"));
            Assert.That(Messages(flow.Request.Content, EchoRequest.Parser).Single().Text, Is.EqualTo("recorded"));
            Assert.That(flow.Response!.StatusCode, Is.EqualTo(200));
            Assert.That(flow.Response.Headers["content-type"], Is.EqualTo("application/grpc"));
            Assert.That(Messages(flow.Response.Content, EchoReply.Parser).Single().Text, Is.EqualTo("recorded"));
            Assert.That(flow.Response.Trailers?["grpc-status"], Is.EqualTo("0"), "gRPC's status is in the response's trailers");
            Assert.That(flow.Error, Is.Null);
        });
        var recorded = await _proxy!.Host.RecordedAsync("recorder");
        Assert.That(recorded, Is.SupersetOf(new[]
        {
            "http_connect:localhost", "requestheaders:localhost/addons.tests.Echoer/Echo", "request:localhost/addons.tests.Echoer/Echo",
            "responseheaders:localhost/addons.tests.Echoer/Echo", "response:localhost/addons.tests.Echoer/Echo",
        }));
    }

    /// <summary>Needs the proxy's HTTP/2 client: the server's side of gRPC flows is h2 too.</summary>
    [Test]
    [CancelAfter(15_000)]
    public async Task GrpcFlowsGoUpstreamOverHttp2()
    {
        await StartProxyAsync();
        using var channel = ThroughProxy();
        var client = new Echoer.EchoerClient(channel);

        using var call = client.EchoAsync(new EchoRequest { Text = "upstream" }, deadline: Deadline(), cancellationToken: Token);
        await AwaitIgnoringFailureAsync(call.ResponseAsync);

        var flow = await EndedAsync("/addons.tests.Echoer/Echo");
        Assert.Multiple(() =>
        {
            Assert.That(flow.Server.Alpn, Is.EqualTo("h2"), "the proxy negotiated h2 with the origin");
            Assert.That(flow.Response?.HttpVersion, Is.EqualTo("HTTP/2.0"), "the origin answered over HTTP/2");
        });
        Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK), call.GetStatus().Detail);
    }

    private async Task StartProxyAsync(params Addon[] addons)
    {
        _probe = new FlowProbe();
        _proxy = await ProxyHarness.StartAsync([ProxyHarness.Recorder], [_probe, .. addons], "--set", $"ssl_verify_upstream_trusted_ca={_origin.CertificatePemPath}");
    }

    private Task<HttpFlow> EndedAsync(string path) => _probe.EndedAsync(f => f.Request.Path == path).WaitAsync(FlowTime, Token);

    private static DateTime Deadline() => DateTime.UtcNow + CallTime;

    /// <summary>
    /// A channel through the proxy that trusts the proxy's CA (and only it). Its SocketsHttpHandler is handed over
    /// inside an HttpClient: given as HttpHandler, Grpc.Net.Client puts its load balancer's ConnectCallback on the
    /// handler, which then fails the proxy's CONNECT ("Unable to get subchannel from HttpRequestMessage",
    /// grpc/grpc-dotnet#2116) before a byte reaches the proxy. With HttpClient the balancer is left out.
    /// </summary>
    private GrpcChannel ThroughProxy()
    {
        var ca = _proxy!.CaCertificate;
        var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(_proxy.ProxyUri),
            UseProxy = true,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => ProxyHarness.IsSignedBy(certificate, ca) },
        };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        return GrpcChannel.ForAddress(_origin.Address, new GrpcChannelOptions { HttpClient = client, DisposeHttpClient = true });
    }

    /// <summary>A channel straight to the origin that trusts its certificate (and only it).</summary>
    private GrpcChannel Direct()
    {
        var certificate = _origin.Certificate;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => LocalhostCertificate.IsExactly(presented, certificate) },
        };
        return GrpcChannel.ForAddress(_origin.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private static async Task<List<long>> ReadAllAsync(IAsyncStreamReader<Number> stream)
    {
        var numbers = new List<long>();
        await foreach (var number in stream.ReadAllAsync(Token))
        {
            numbers.Add(number.Value);
        }

        return numbers;
    }

    private static async Task WriteAllAsync(IClientStreamWriter<Number> stream, IEnumerable<long> numbers)
    {
        foreach (var number in numbers)
        {
            await stream.WriteAsync(new Number { Value = number }, Token);
        }

        await stream.CompleteAsync();
    }

    /// <summary>Sends each text and waits (5 s at most) for its echo before the next; then ends the request stream.</summary>
    private static async Task<List<string>> ChatAsync(AsyncDuplexStreamingCall<EchoRequest, EchoReply> call, IEnumerable<string> texts)
    {
        var echoed = new List<string>();
        foreach (var text in texts)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = text }, Token);
            bool next;
            try
            {
                next = await call.ResponseStream.MoveNext(Token).WaitAsync(TimeSpan.FromSeconds(5), Token);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"The echo of message {echoed.Count + 1} ('{text}') did not arrive within 5 s while the request stream was open; echoed so far: [{string.Join(", ", echoed)}].");
                throw;
            }

            Assert.That(next, Is.True, $"the response stream ended before the echo of '{text}'");
            echoed.Add(call.ResponseStream.Current.Text);
        }

        await call.RequestStream.CompleteAsync();
        Assert.That(await call.ResponseStream.MoveNext(Token).WaitAsync(TimeSpan.FromSeconds(5), Token), Is.False, "the response stream ends after the request stream does");
        return echoed;
    }

    private static async Task AwaitIgnoringFailureAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (RpcException)
        {
            // The flow is what this test looks at; the call's status is asserted after it.
        }
    }

    /// <summary>The messages of a gRPC body: each a compressed flag, a 4-byte big-endian length and that many bytes.</summary>
    private static List<T> Messages<T>(byte[]? body, MessageParser<T> parser)
        where T : IMessage<T>
    {
        Assert.That(body, Is.Not.Null, "the body was stored");
        var messages = new List<T>();
        var rest = body!.AsSpan();
        while (rest.Length > 0)
        {
            Assert.That(rest.Length, Is.GreaterThanOrEqualTo(5), "a whole message prefix");
            Assert.That(rest[0], Is.EqualTo(0), "not compressed");
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(rest[1..5]);
            messages.Add(parser.ParseFrom(rest.Slice(5, length)));
            rest = rest[(5 + length)..];
        }

        return messages;
    }

    /// <summary>Streams both bodies of every gRPC flow, as an addon decides in requestheaders and responseheaders.</summary>
    private sealed class StreamGrpcBodies : Addon
    {
        public override string Name => "stream-grpc";

        public override ValueTask RequestHeadersAsync(HttpFlowContext context)
        {
            if (IsGrpc(context.Flow.Request.Headers["content-type"]))
            {
                context.Flow.Request.Stream = true;
            }

            return default;
        }

        public override ValueTask ResponseHeadersAsync(HttpFlowContext context)
        {
            if (context.Flow.Response is { } response && IsGrpc(response.Headers["content-type"]))
            {
                response.Stream = true;
            }

            return default;
        }

        private static bool IsGrpc(string? contentType) => contentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;
    }
}
