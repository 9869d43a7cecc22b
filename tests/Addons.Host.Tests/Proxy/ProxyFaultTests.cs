using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Addons.Host.Configuration;
using Addons.Host.Events;
using Addons.Host.Loading;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Addons.Host.Tests.Proxy;

/// <summary>
/// What a client and an addon see when a request, a client or a server misbehaves: a short plain-text error naming
/// the problem, nothing invalid passed on to the origin, the <c>error</c> hook with the reason when a flow existed,
/// the connection closed, and the proxy still serving the next connection.
/// </summary>
public sealed class ProxyFaultTests
{
    private const string Origin = "{origin}";

    // 1. Request lines the parser refuses.
    [TestCase("GARBAGE\r\n\r\n", "The request line \"GARBAGE\" is not METHOD TARGET HTTP/1.x.")]
    [TestCase("GET http://{origin}/a HTTP/1.1 extra\r\nHost: {origin}\r\n\r\n", "contains whitespace, control or non-ASCII characters")]
    [TestCase("G(T http://{origin}/a HTTP/1.1\r\nHost: {origin}\r\n\r\n", "The method \"G(T\" contains characters a method cannot have.")]
    [TestCase("GET http://{origin}/a HTTX/1.1\r\nHost: {origin}\r\n\r\n", "\"HTTX/1.1\" is not an HTTP version.")]
    [TestCase("GET /relative HTTP/1.1\r\nHost: {origin}\r\n\r\n", "is not a proxy request; an explicit proxy needs an absolute URL")]
    [TestCase("GET ftp://{origin}/a HTTP/1.1\r\nHost: {origin}\r\n\r\n", "is not an http:// or https:// URL.")]
    [TestCase("GET http://{origin}\\@example.com/a HTTP/1.1\r\nHost: {origin}\r\n\r\n", "is not an http:// or https:// URL.", TestName = "{m}(a backslash in the authority)")]
    [TestCase("GET http://?x=1 HTTP/1.1\r\nHost: {origin}\r\n\r\n", "is not an http:// or https:// URL.", TestName = "{m}(no host)")]
    public async Task AMalformedRequestLineIsAnswered400AndNeverForwarded(string request, string sentence)
    {
        await AssertRefusedAsync(request, 400, "Bad Request", sentence);
    }

    // 2. Characters a header section cannot have.
    [TestCase("X-Bad: a\u0001b", "The value of header field \"X-Bad\" contains a control character.", TestName = "{m}(U+0001 in a value)")]
    [TestCase("X-Bad: a\u007fb", "The value of header field \"X-Bad\" contains a control character.", TestName = "{m}(U+007F in a value)")]
    [TestCase("X-Bad : b", "The header field name \"X-Bad \" contains characters a field name cannot have.")]
    [TestCase("X-Folded: a\r\n  b", "obsolete line folding is not accepted")]
    [TestCase("X-Bad: a\rb", "A line contains a bare carriage return.")]
    [TestCase("no colon here", "A header line has no field name and colon: \"no colon here\".")]
    public async Task AnInvalidHeaderIsAnswered400AndNeverForwarded(string header, string sentence)
    {
        await AssertRefusedAsync($"GET http://{Origin}/a HTTP/1.1\r\nHost: {Origin}\r\n{header}\r\n\r\n", 400, "Bad Request", sentence);
    }

    // 3. Heads larger than the proxy buffers.
    [Test]
    public async Task ARequestLineLongerThan8KiBIsAnswered414()
    {
        await AssertRefusedAsync($"GET http://{Origin}/{new string('a', 9000)} HTTP/1.1\r\nHost: {Origin}\r\n\r\n", 414, "URI Too Long",
            "The request line is longer than 8192 bytes.");
    }

    [Test]
    public async Task AHeaderSectionLargerThan64KiBIsAnswered431()
    {
        var fields = string.Concat(Enumerable.Range(0, 70).Select(i => $"X-Filler-{i}: {new string('b', 1000)}\r\n"));
        await AssertRefusedAsync($"GET http://{Origin}/a HTTP/1.1\r\nHost: {Origin}\r\n{fields}\r\n", 431, "Request Header Fields Too Large",
            "The header section is larger than 65536 bytes.");
    }

    [Test]
    public async Task MoreThan100HeaderFieldsAreAnswered431()
    {
        var fields = string.Concat(Enumerable.Range(0, 101).Select(i => $"X-Field-{i}: {i}\r\n"));
        await AssertRefusedAsync($"GET http://{Origin}/a HTTP/1.1\r\n{fields}\r\n", 431, "Request Header Fields Too Large",
            "There are more than 100 header fields.");
    }

    // 4. Ambiguous framing, the stuff of request smuggling: the smuggled request must never reach the origin.
    [TestCase("Content-Length: 4\r\nTransfer-Encoding: chunked", "The request has both Content-Length and Transfer-Encoding, which makes its length ambiguous.")]
    [TestCase("Transfer-Encoding: chunked\r\nContent-Length: 4", "The request has both Content-Length and Transfer-Encoding, which makes its length ambiguous.")]
    [TestCase("Content-Length: 5\r\nContent-Length: 54", "The request has conflicting Content-Length values (5 and 54).")]
    [TestCase("Content-Length: 5, 54", "The request has conflicting Content-Length values (5 and 54).")]
    [TestCase("Content-Length: -5", "The request has an invalid Content-Length \"-5\".")]
    public async Task AmbiguousRequestFramingIsAnswered400AndNothingIsForwarded(string framing, string sentence)
    {
        var smuggled = $"GET http://{Origin}/smuggled HTTP/1.1\r\nHost: {Origin}\r\n\r\n";
        var request = $"POST http://{Origin}/framing HTTP/1.1\r\nHost: {Origin}\r\n{framing}\r\n\r\n0\r\n\r\n{smuggled}";

        await AssertRefusedAsync(request, 400, "Bad Request", sentence);
    }

    // 5. More than one Host field (RFC 9112 section 3.2), even identical ones, even when an absolute-form target names
    // the server: which one an origin or a cache behind it would use is anyone's guess. (A single Host field loses to
    // the target's authority: ProxyHttpTests.HopByHopFieldsStayOnTheirHopAndHostComesFromTheTarget.)
    [TestCase("GET http://{origin}/a HTTP/1.1\r\nHost: {origin}\r\nHost: example.com\r\n\r\n", TestName = "{m}(different values)")]
    [TestCase("GET http://{origin}/a HTTP/1.1\r\nHost: {origin}\r\nHost: {origin}\r\n\r\n", TestName = "{m}(identical values)")]
    [TestCase("GET http://{origin}/a HTTP/1.1\r\nHost: {origin}\r\nX-Between: 1\r\nhost: example.com\r\n\r\n", TestName = "{m}(apart, in another case)")]
    [TestCase("GET http://{origin}/a HTTP/1.0\r\nHost: {origin}\r\nHost: example.com\r\n\r\n", TestName = "{m}(HTTP/1.0)")]
    [TestCase("CONNECT {origin} HTTP/1.1\r\nHost: {origin}\r\nHost: example.com\r\n\r\n", TestName = "{m}(CONNECT)")]
    public async Task TwoHostFieldsAreAnswered400AndNeverForwarded(string request)
    {
        await AssertRefusedAsync(request, 400, "Bad Request", "The request has more than one Host header field, which makes its server ambiguous.");
    }

    // 6. A chunked request body that breaks its own framing.
    [TestCase("zz\r\nhello\r\n0\r\n\r\n", "\"zz\" is not a valid chunk size.")]
    [TestCase("-5\r\nhello\r\n0\r\n\r\n", "\"-5\" is not a valid chunk size.")]
    [TestCase("3\r\nhello\r\n0\r\n\r\n", "A chunk is longer than its size says (no line end after its data).")]
    public async Task AnInvalidChunkedBodyIsAnswered400AndNeverForwarded(string body, string sentence)
    {
        await AssertRefusedAsync($"POST http://{Origin}/chunked HTTP/1.1\r\nHost: {Origin}\r\nTransfer-Encoding: chunked\r\n\r\n{body}", 400, "Bad Request", sentence);
    }

    [Test]
    public async Task AnInvalidChunkedBodyEndsTheFlowAddonsSawWithTheErrorHook()
    {
        await using var origin = OkOrigin();
        await using var proxy = await ProxyHarness.StartAsync();
        var errors = FlowErrorProbe.AddTo(proxy);

        var response = await ExchangeAsync(proxy, $"POST {origin.Url("/chunked")} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");

        AssertError(response, 400, "Bad Request", "\"zz\" is not a valid chunk size.");
        Assert.That(await proxy.Host.RecordedAsync("recorder"), Does.Contain("requestheaders:127.0.0.1/chunked"), "addons saw the flow start");
        await AssertErrorHookAsync(proxy, errors, "127.0.0.1/chunked", "is not a valid chunk size");
        await AssertStillServesAsync(proxy);
    }

    // 7. A client that stops in the middle of its request head.
    [Test]
    public async Task AClientThatStallsMidHeadIsAnswered408WhileOthersAreServed()
    {
        await using var origin = OkOrigin();
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", "client_timeout=2s");
        var clock = Stopwatch.StartNew();
        var stalled = new List<RawClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var client = await proxy.ConnectAsync();
                stalled.Add(client);
                await client.SendAsync($"GET {origin.Url("/stalled")} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\nX-Partial: ");
            }

            // Served while the stalled clients still hold their connections: none of them has been answered yet.
            await AssertStillServesAsync(proxy);
            Assert.That(stalled.Select(c => c.Stream.DataAvailable), Is.All.False, "the stalled clients are still waiting while another client is served");

            var responses = await Task.WhenAll(stalled.Select(c => c.ReadToEndAsync()));
            var elapsed = clock.Elapsed;

            Assert.Multiple(() =>
            {
                foreach (var response in responses)
                {
                    AssertError(response, 408, "Request Timeout", "The request was not received within 2 s.");
                }

                Assert.That(elapsed, Is.GreaterThan(TimeSpan.FromSeconds(1.5)).And.LessThan(TimeSpan.FromSeconds(10)), "answered after client_timeout, within a few seconds");
                Assert.That(origin.Requests, Has.None.Contains("/stalled"), "a half-received request is never forwarded");
            });
        }
        finally
        {
            foreach (var client in stalled)
            {
                await client.DisposeAsync();
            }
        }

        await AssertStillServesAsync(proxy);
    }

    [Test]
    public async Task AClientThatStallsMidBodyIsAnswered408AndNothingIsForwarded()
    {
        await using var origin = OkOrigin();
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", "client_timeout=1s");
        var clock = Stopwatch.StartNew();

        var response = await ExchangeAsync(proxy, $"POST {origin.Url("/half-body")} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\nContent-Length: 10\r\n\r\nabc");

        var elapsed = clock.Elapsed;
        AssertError(response, 408, "Request Timeout", "The request body did not arrive within 1 s.");
        Assert.Multiple(() =>
        {
            Assert.That(elapsed, Is.GreaterThan(TimeSpan.FromSeconds(0.9)).And.LessThan(TimeSpan.FromSeconds(10)));
            Assert.That(origin.Requests, Is.Empty, "a request without its whole body is never forwarded");
        });
        await AssertStillServesAsync(proxy);
    }

    // 8. The server's name does not resolve.
    [Test]
    public async Task AHostThatDoesNotResolveIsAnswered502NamingTheHost()
    {
        await using var proxy = await ProxyHarness.StartAsync();
        var errors = FlowErrorProbe.AddTo(proxy);

        var response = await ExchangeAsync(proxy, "GET http://no-such-host.invalid/dns HTTP/1.1\r\nHost: no-such-host.invalid\r\n\r\n");

        AssertError(response, 502, "Bad Gateway", "The DNS lookup of no-such-host.invalid failed");
        await AssertErrorHookAsync(proxy, errors, "no-such-host.invalid/dns", "The DNS lookup of no-such-host.invalid failed");
        await AssertStillServesAsync(proxy);
    }

    // 9. Nothing listens on the server's port.
    [Test]
    public async Task ARefusedConnectionIsAnswered502()
    {
        var port = UnusedPort();
        await using var proxy = await ProxyHarness.StartAsync();
        var errors = FlowErrorProbe.AddTo(proxy);

        var response = await ExchangeAsync(proxy, $"GET http://127.0.0.1:{port}/refused HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");

        AssertError(response, 502, "Bad Gateway", $"127.0.0.1:{port} refused the connection.");
        await AssertErrorHookAsync(proxy, errors, "127.0.0.1/refused", "refused the connection");
        await AssertStillServesAsync(proxy);
    }

    // 10. The server accepts the request and never answers.
    [Test]
    public async Task AServerThatNeverAnswersIsAnswered504AfterUpstreamTimeout()
    {
        // Holds the request until the proxy gives up and hangs up.
        await using var origin = new RawOrigin(async (stream, _) => await stream.ReadAtLeastAsync(new byte[1], 1, throwOnEndOfStream: false));
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", "upstream_timeout=1s");
        var errors = FlowErrorProbe.AddTo(proxy);
        var clock = Stopwatch.StartNew();

        var response = await ExchangeAsync(proxy, $"GET {origin.Url("/slow")} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\n\r\n");

        var elapsed = clock.Elapsed;
        AssertError(response, 504, "Gateway Timeout", $"127.0.0.1:{origin.Port} did not answer within 1 s.");
        Assert.Multiple(() =>
        {
            Assert.That(elapsed, Is.GreaterThan(TimeSpan.FromSeconds(0.9)).And.LessThan(TimeSpan.FromSeconds(10)));
            Assert.That(origin.Requests, Has.Count.EqualTo(1), "the request did reach the server");
        });
        await AssertErrorHookAsync(proxy, errors, "127.0.0.1/slow", "did not answer within 1 s");
        await AssertStillServesAsync(proxy);
    }

    // 11. The server's certificate is not trusted.
    [Test]
    public async Task AnUntrustedServerCertificateIsAnswered502NamingTheCertificate()
    {
        await WithKestrelAsync(async origin =>
        {
            await using var proxy = await ProxyHarness.StartAsync();
            var errors = FlowErrorProbe.AddTo(proxy);
            using var client = proxy.CreateClient();

            using var response = await client.GetAsync(origin.Https("/hello"));
            var body = await response.Content.ReadAsStringAsync();

            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadGateway));
                Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
                Assert.That(body, Does.StartWith("502 Bad Gateway\n\n"));
                Assert.That(body, Does.Contain($"The TLS handshake with localhost:{origin.HttpsPort} failed: the certificate of localhost is not valid"));
                Assert.That(body, Does.Contain("set ssl_insecure=true to connect anyway"));
                Assert.That(response.Headers.ConnectionClose, Is.True);
            });
            await AssertErrorHookAsync(proxy, errors, "localhost/hello", "the certificate of localhost is not valid");
            await AssertStillServesAsync(proxy);
        });
    }

    [TestCase("ssl_insecure=true")]
    [TestCase("ssl_verify_upstream_trusted_ca={pem}")]
    public async Task AnUntrustedServerCertificateIsAcceptedWhenTheUserSaysSo(string option)
    {
        await WithKestrelAsync(async origin =>
        {
            await using var proxy = await ProxyHarness.StartAsync(null, "--set", option.Replace("{pem}", origin.CertificatePemPath, StringComparison.Ordinal));
            using var client = proxy.CreateClient();

            using var response = await client.GetAsync(origin.Https("/hello"));
            var body = await response.Content.ReadAsStringAsync();
            var recorded = await proxy.Host.RecordedAsync("recorder");

            Assert.Multiple(() =>
            {
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(body, Is.EqualTo("hello"));
                Assert.That(recorded, Does.Contain("response:localhost/hello").And.None.StartsWith("error:"));
            });
            await AssertStillServesAsync(proxy);
        });
    }

    // 12. The server hangs up in the middle of its body.
    [Test]
    public async Task AServerThatClosesMidBodyClosesTheClientConnectionWithoutAResponse()
    {
        await using var origin = new RawOrigin(async (stream, _) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-part"u8.ToArray());
            stream.Close();
        });
        await using var proxy = await ProxyHarness.StartAsync();
        var errors = FlowErrorProbe.AddTo(proxy);

        var response = await ExchangeAsync(proxy, $"GET {origin.Url("/cut")} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\n\r\n");

        Assert.That(response, Is.Empty, "a truncated response must not look complete; the proxy buffers the body, so nothing is sent");
        await AssertErrorHookAsync(proxy, errors, "127.0.0.1/cut", $"127.0.0.1:{origin.Port} closed the connection in the middle of the response body");
        await AssertStillServesAsync(proxy);
    }

    // 13. The server's answer is not HTTP.
    [TestCase("NONSENSE\r\n\r\n", "The server's status line \"NONSENSE\" is not HTTP/1.x CODE REASON.")]
    [TestCase("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", "The server's status line \"HTTP/1.1 2x0 OK\" has no three-digit status code.")]
    [TestCase("ICY 200 OK\r\n\r\n", "\"ICY\" is not an HTTP version.")]
    [TestCase("HTTP/1.1 200 OK\r\nNo colon\r\nContent-Length: 0\r\n\r\n", "A header line has no field name and colon: \"No colon\".")]
    [TestCase("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", "The server's response has conflicting Content-Length values (2 and 3).")]
    public async Task AnInvalidResponseIsAnswered502(string answer, string sentence)
    {
        await using var origin = RawOrigin.Answering(answer);
        await using var proxy = await ProxyHarness.StartAsync();
        var errors = FlowErrorProbe.AddTo(proxy);

        var response = await ExchangeAsync(proxy, $"GET {origin.Url("/invalid")} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\n\r\n");

        AssertError(response, 502, "Bad Gateway", $"127.0.0.1:{origin.Port} sent an invalid response: {sentence}");
        await AssertErrorHookAsync(proxy, errors, "127.0.0.1/invalid", sentence);
        await AssertStillServesAsync(proxy);
    }

    [Test]
    public async Task AServerThatHangsUpWithoutAnsweringIsAnswered502()
    {
        await using var origin = new RawOrigin((stream, _) =>
        {
            stream.Close();
            return Task.CompletedTask;
        });
        await using var proxy = await ProxyHarness.StartAsync();
        var errors = FlowErrorProbe.AddTo(proxy);

        var response = await ExchangeAsync(proxy, $"GET {origin.Url("/hangup")} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\n\r\n");

        AssertError(response, 502, "Bad Gateway", $"127.0.0.1:{origin.Port} closed the connection without a response.");
        await AssertErrorHookAsync(proxy, errors, "127.0.0.1/hangup", "closed the connection without a response");
        await AssertStillServesAsync(proxy);
    }

    /// <summary>Sends a request the proxy must refuse before any flow reaches an addon, and checks what everyone saw.</summary>
    private static async Task AssertRefusedAsync(string request, int status, string reason, string sentence)
    {
        await using var origin = OkOrigin();
        await using var proxy = await ProxyHarness.StartAsync();
        var authority = $"127.0.0.1:{origin.Port}";

        var response = await ExchangeAsync(proxy, request.Replace(Origin, authority, StringComparison.Ordinal));

        AssertError(response, status, reason, sentence);
        var recorded = await proxy.Host.RecordedAsync("recorder");
        Assert.Multiple(() =>
        {
            Assert.That(origin.Requests, Is.Empty, "nothing of a refused request reaches the server");
            Assert.That(recorded, Has.None.StartsWith("request:"), "no addon is asked to forward it");
        });
        await AssertStillServesAsync(proxy);
    }

    /// <summary>Sends <paramref name="request"/> on a new connection and reads until the proxy closes it.</summary>
    private static async Task<string> ExchangeAsync(ProxyHarness proxy, string request)
    {
        await using var client = await proxy.ConnectAsync();
        try
        {
            await client.SendAsync(request);
        }
        catch (IOException)
        {
            // The proxy may answer and hang up before it has read all of an oversized request.
        }

        return await client.ReadToEndAsync();
    }

    /// <summary>The proxy's error answer: status line, plain text, Connection: close, and a body naming the problem.</summary>
    private static void AssertError(string response, int status, string reason, string sentence)
    {
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.That(end, Is.GreaterThan(0), $"a complete response head; received: \"{response}\"");
        var head = response[..end];
        var body = response[(end + 4)..];
        var length = head.Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..].Trim();
        Assert.Multiple(() =>
        {
            Assert.That(head, Does.StartWith($"HTTP/1.1 {status} {reason}\r\n"));
            Assert.That(head, Does.Contain("\r\nContent-Type: text/plain; charset=utf-8"));
            Assert.That(head, Does.Contain("\r\nConnection: close"));
            Assert.That(int.Parse(length, CultureInfo.InvariantCulture), Is.EqualTo(Encoding.UTF8.GetByteCount(body)), "the whole body, then the connection closed");
            Assert.That(body, Does.StartWith($"{status} {reason}\n\n"));
            Assert.That(body, Does.Contain(sentence));
        });
    }

    /// <summary>The Recorder saw the error hook for the flow, and the flow carried the reason.</summary>
    private static async Task AssertErrorHookAsync(ProxyHarness proxy, FlowErrorProbe errors, string flow, string reason)
    {
        var recorded = await proxy.Host.RecordedAsync("recorder");
        Assert.Multiple(() =>
        {
            Assert.That(recorded, Does.Contain($"error:{flow}"), string.Join(", ", recorded));
            Assert.That(errors.Seen, Has.Some.StartsWith(flow + " ").And.Contains(reason));
        });
    }

    /// <summary>A fresh connection through the same proxy gets an ordinary 200.</summary>
    private static async Task AssertStillServesAsync(ProxyHarness proxy)
    {
        await using var origin = OkOrigin();
        var response = await ExchangeAsync(proxy, $"GET {origin.Url("/after")} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\nConnection: close\r\n\r\n");
        Assert.That(response, Does.StartWith("HTTP/1.1 200 OK\r\n").And.EndWith("\r\n\r\nok"), "a fresh connection through the same proxy still works");
    }

    private static RawOrigin OkOrigin() => RawOrigin.Answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

    /// <summary>A loopback port nothing listens on: bound, noted, released.</summary>
    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task WithKestrelAsync(Func<KestrelOrigin, Task> test)
    {
        var folder = Directory.CreateTempSubdirectory("addons-fault-").FullName;
        try
        {
            await using var origin = await KestrelOrigin.StartAsync(folder);
            await test(origin);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// An addon in the test's own process that keeps each errored flow's reason, which the Recorder plugin does not
    /// record, as "host/path reason".
    /// </summary>
    private sealed class FlowErrorProbe : Addon
    {
        private readonly ConcurrentQueue<string> _seen = new();

        public override string Name => "flow_error_probe";

        public IReadOnlyList<string> Seen => [.. _seen];

        public static FlowErrorProbe AddTo(ProxyHarness proxy)
        {
            var probe = new FlowErrorProbe();
            var options = new ConfigurationBuilder().Build().GetSection(probe.Name);
            var entry = new PluginEntry(probe.Name, "(test)", [], Enabled: true, Order: int.MaxValue, Required: false, options);
            proxy.Host.Chain.Add(new LoadedAddon(entry, "(test)", null, probe, "1.0.0", new AddonEventBus(proxy.Host.Bus, probe.Name)));
            return probe;
        }

        public override ValueTask ErrorAsync(HttpFlowContext context)
        {
            var flow = context.Flow;
            _seen.Enqueue($"{flow.Request.Host}{flow.Request.Path} {flow.Error?.Message}");
            return default;
        }
    }
}
