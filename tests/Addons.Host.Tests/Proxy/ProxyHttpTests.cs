using System.Net;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Proxy;

public sealed class ProxyHttpTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-proxy-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task AGetGoesThroughTheChainInHookOrder()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync();
        using var client = proxy.CreateClient();

        var body = await client.GetStringAsync(origin.Http("/hello"));

        Assert.That(body, Is.EqualTo("hello"));
        var flow = $"127.0.0.1/hello";
        var recorded = (await proxy.Host.RecordedAsync("recorder")).Where(r => r is not ("load" or "running") && !r.StartsWith("configure", StringComparison.Ordinal)).ToList();
        Assert.That(recorded, Is.EqualTo(new[]
        {
            "client_connected",
            $"requestheaders:{flow}", $"update:{flow}",
            $"request:{flow}", $"update:{flow}",
            "server_connect", "server_connected",
            $"responseheaders:{flow}", $"update:{flow}",
            $"response:{flow}", $"update:{flow}",
        }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task APostBodyArrivesWithItsFraming(bool chunked)
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync();
        using var client = proxy.CreateClient();
        var content = new StringContent("payload from the client");
        if (chunked)
        {
            content.Headers.ContentLength = null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, origin.Http("/echo")) { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(),
            Is.EqualTo(chunked ? "POST chunked payload from the client" : "POST length=23 payload from the client"));
    }

    [Test]
    public async Task ConnectionsAreKeptAliveOnBothSides()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync();
        using var client = proxy.CreateClient();

        var first = await client.GetStringAsync(origin.Http("/conn"));
        var second = await client.GetStringAsync(origin.Http("/conn"));
        var third = await client.GetStringAsync(origin.Http("/conn"));

        Assert.That(new[] { second, third }, Is.All.EqualTo(first), "the origin saw one connection");
        var recorded = await proxy.Host.RecordedAsync("recorder");
        Assert.That(recorded.Count(r => r == "client_connected"), Is.EqualTo(1), "the proxy saw one client connection");
        Assert.That(recorded.Count(r => r == "server_connect"), Is.EqualTo(1), "and opened one upstream connection");
    }

    [Test]
    public async Task HopByHopFieldsStayOnTheirHopAndHostComesFromTheTarget()
    {
        await using var origin = RawOrigin.Answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var proxy = await ProxyHarness.StartAsync();
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync(
            $"GET {origin.Url("/a?b=1")} HTTP/1.1\r\nHost: wrong.example\r\nX-First: 1\r\nConnection: X-Private, keep-alive\r\nX-Private: secret\r\n" +
            "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: h2c\r\nx-last: 2\r\n\r\n");
        await client.ReadUntilAsync("\r\n\r\nok");

        var received = origin.Requests.Single();
        Assert.That(received, Is.EqualTo($"GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\nX-First: 1\r\nx-last: 2\r\n\r\n"));
    }

    // RFC 9112 section 3.2.2 and RFC 9110 section 4.2.3: an empty path is sent as "/", the query stays; a fragment is
    // never part of a request target, so it does not reach the origin.
    [TestCase("?x=1", "/?x=1")]
    [TestCase("", "/")]
    [TestCase("?x=/y", "/?x=/y")]
    [TestCase("/a?b=/c", "/a?b=/c")]
    [TestCase("#top", "/")]
    [TestCase("?x=1#/top", "/?x=1")]
    [TestCase("/a#b?c", "/a")]
    public async Task AnAbsoluteFormTargetIsForwardedWithItsPathAndQuery(string pathAndQuery, string forwarded)
    {
        await using var origin = RawOrigin.Answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var proxy = await ProxyHarness.StartAsync();
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync($"GET http://127.0.0.1:{origin.Port}{pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\n\r\n");
        var response = await client.ReadUntilAsync("\r\n\r\nok");

        Assert.That(response, Does.StartWith("HTTP/1.1 200 OK\r\n"));
        Assert.That(origin.Requests.Single(), Is.EqualTo($"GET {forwarded} HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\n\r\n"));
        Assert.That(await proxy.Host.RecordedAsync("recorder"), Has.Member($"request:127.0.0.1{forwarded}"), "addons see the path that is forwarded");
    }

    [Test]
    public async Task TheResponseKeepsItsOrderCaseDuplicatesAndReasonPhrase()
    {
        await using var origin = RawOrigin.Answering(
            "HTTP/1.1 299 Quite Unusual\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\nConnection: X-Hop\r\nX-Hop: no\r\nContent-Length: 2\r\n\r\nok");
        await using var proxy = await ProxyHarness.StartAsync();
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync($"GET {origin.Url("/")} HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadUntilAsync("\r\n\r\nok");

        Assert.That(response, Is.EqualTo("HTTP/1.1 299 Quite Unusual\r\nX-B: 1\r\nx-a: 2\r\nX-B: 3\r\nContent-Length: 2\r\n\r\nok"));
    }

    [Test]
    public async Task ChunkedResponsesKeepTheirTrailers()
    {
        await using var origin = RawOrigin.Answering(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: abc\r\n\r\n");
        await using var proxy = await ProxyHarness.StartAsync();
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync($"GET {origin.Url("/")} HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadUntilAsync("X-Checksum: abc\r\n\r\n");

        Assert.That(response, Is.EqualTo("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\nb\r\nhello world\r\n0\r\nX-Checksum: abc\r\n\r\n"));
    }

    [Test]
    public async Task InterimResponsesAreRelayedAndNotMistakenForTheFinalOne()
    {
        await using var origin = RawOrigin.Answering(
            "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal");
        await using var proxy = await ProxyHarness.StartAsync();
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync($"GET {origin.Url("/")} HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadUntilAsync("final");

        Assert.That(response, Is.EqualTo("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"));
        Assert.That((await proxy.Host.RecordedAsync("recorder")).Count(r => r.StartsWith("response:", StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test]
    public async Task ExpectContinueIsAnsweredByTheProxy()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync();
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync($"POST {origin.Http("/echo")} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
        await client.ReadUntilAsync("HTTP/1.1 100 Continue\r\n\r\n");
        await client.SendAsync("data");
        var response = await client.ReadUntilAsync("POST length=4 data");

        Assert.That(response, Does.StartWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"));
    }

    [Test]
    public async Task AnIdleKeepAliveConnectionIsClosedQuietlyAfterTheClientTimeout()
    {
        await using var origin = RawOrigin.Answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", "client_timeout=1s");
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync($"GET {origin.Url("/")} HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadUntilAsync("\r\n\r\nok");
        client.ClearReceived();
        var idle = await client.ReadToEndAsync();

        Assert.That(idle, Is.Empty, "no unsolicited 408 that a client could take for its next response");
    }

    [Test]
    public async Task AnHttp10ClientGetsItsAnswerAndTheConnectionCloses()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync();
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync($"GET {origin.Http("/hello")} HTTP/1.0\r\n\r\n");
        var response = await client.ReadToEndAsync();

        Assert.That(response, Does.StartWith("HTTP/1.1 200 OK\r\n").And.EndWith("\r\n\r\nhello"));
        Assert.That(response, Does.Contain("Content-Length: 5\r\n"), "no chunked framing for an HTTP/1.0 client");
    }

    [Test]
    public async Task AddonsChangeRequestsAnswerThemselvesAndKill()
    {
        await using var origin = RawOrigin.Answering("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\norigin");
        await using var proxy = await ProxyHarness.StartAsync([ProxyHarness.Recorder, TestHost.Entry("Rewriter", TestPaths.TestPlugin("Rewriter"), 2)]);
        using var client = proxy.CreateClient();

        using var changed = await client.GetAsync(origin.Url("/rename/me"));
        Assert.That(await changed.Content.ReadAsStringAsync(), Is.EqualTo("origin"));
        Assert.That(changed.Headers.GetValues("X-Response-Rewritten"), Is.EqualTo(new[] { "yes" }));
        Assert.That(origin.Requests.Single(), Does.StartWith("GET /hello HTTP/1.1\r\n").And.Contain("X-Rewritten: yes\r\n"));

        using var answered = await client.GetAsync(origin.Url("/answer"));
        Assert.That((int)answered.StatusCode, Is.EqualTo(418));
        Assert.That(await answered.Content.ReadAsStringAsync(), Is.EqualTo("answered by the rewriter"));
        Assert.That(origin.Requests, Has.Count.EqualTo(1), "the server was not contacted");

        using var replaced = await client.GetAsync(origin.Url("/replace-body"));
        Assert.That(await replaced.Content.ReadAsStringAsync(), Is.EqualTo("replaced by the rewriter"));

        Assert.That(async () => await client.GetAsync(origin.Url("/kill")), Throws.InstanceOf<HttpRequestException>());
        Assert.That(origin.Requests, Has.Count.EqualTo(2), "a killed flow never reaches the server");
    }

    [Test]
    public async Task AnAddonCanAbortTheServerConnection()
    {
        await using var proxy = await ProxyHarness.StartAsync([ProxyHarness.Recorder, TestHost.Entry("Rewriter", TestPaths.TestPlugin("Rewriter"), 2)]);
        using var client = proxy.CreateClient();

        using var response = await client.GetAsync("http://blocked.example/page");

        Assert.That((int)response.StatusCode, Is.EqualTo(502));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("An addon refused the connection to blocked.example:80: blocked.example is on the rewriter's block list"));
        Assert.That(await proxy.Host.RecordedAsync("recorder"), Has.Member("error:blocked.example/page"));
    }

    [Test]
    public async Task ReverseModeSendsEveryRequestToTheConfiguredServer()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}");
        using var client = proxy.CreateClient(useProxy: false);

        var hello = await client.GetStringAsync($"http://{proxy.EndPoint}/hello");
        var scheme = await client.GetStringAsync($"http://{proxy.EndPoint}/scheme");

        Assert.That(hello, Is.EqualTo("hello"));
        Assert.That(scheme, Is.EqualTo($"http 127.0.0.1:{origin.HttpPort}"), "the Host header names the server");
    }

    [Test]
    public async Task AnOriginFormTargetLosesItsFragmentInReverseMode()
    {
        await using var origin = RawOrigin.Answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{origin.Port}");
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync($"GET /a?b=1#c HTTP/1.1\r\nHost: {proxy.EndPoint}\r\n\r\n");
        await client.ReadUntilAsync("\r\n\r\nok");

        Assert.That(origin.Requests.Single(), Is.EqualTo($"GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:{origin.Port}\r\n\r\n"));
    }

    [Test]
    public async Task AnInvalidModeIsRejectedAtStart()
    {
        var ex = Assert.ThrowsAsync<AddonHostException>(() => ProxyHarness.StartAsync(null, "--set", "mode=sideways"));

        Assert.That(ex!.Message, Is.EqualTo("Addon 'proxy' rejected the options: mode 'sideways' is not supported; use regular or reverse:URL. The host does not start with options an addon refuses."));
        await Task.CompletedTask;
    }

    [Test]
    public async Task AnOriginFormRequestToAnExplicitProxyIsRefused()
    {
        await using var proxy = await ProxyHarness.StartAsync();
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync("GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n");
        var response = await client.ReadToEndAsync();

        Assert.That(response, Does.StartWith("HTTP/1.1 400 Bad Request\r\n").And.Contain("is not a proxy request"));
    }

    [Test]
    public async Task ManyConcurrentClientsAreServed()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            using var client = proxy.CreateClient();
            var bodies = new List<int>();
            for (var j = 0; j < 5; j++)
            {
                bodies.Add((await client.GetByteArrayAsync(origin.Http($"/big/{1000 + i}"))).Length);
            }

            return bodies;
        }));

        Assert.That(results.Select((bodies, i) => bodies.All(b => b == 1000 + i)), Is.All.True);
    }

    [Test]
    public async Task BodiesLargerThanStreamLargeBodiesAreStreamedNotStored()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", "stream_large_bodies=1k");
        var flows = new List<HttpFlow>();
        proxy.Host.Bus.Subscribe<KeyValuePair<string, Flow>>(() => "test", m =>
        {
            lock (flows)
            {
                flows.Add((HttpFlow)m.Value);
            }
        });
        using var client = proxy.CreateClient();

        var large = await client.GetByteArrayAsync(origin.Http("/big/200000"));
        var small = await client.GetByteArrayAsync(origin.Http("/big/1000"));
        using var post = await client.PostAsync(origin.Http("/echo"), new StringContent(new string('x', 5000)));
        var echoed = await post.Content.ReadAsStringAsync();

        Assert.That(large, Has.Length.EqualTo(200_000));
        Assert.That(small, Has.Length.EqualTo(1000));
        Assert.That(echoed, Is.EqualTo("POST length=5000 " + new string('x', 5000)));
        Assert.Multiple(() =>
        {
            Assert.That((flows[0].Response!.Stream, flows[0].Response!.Content), Is.EqualTo((true, (byte[]?)null)), "the large response was streamed");
            Assert.That(flows[1].Response!.Content, Has.Length.EqualTo(1000), "the small one was stored");
            Assert.That((flows[2].Request.Stream, flows[2].Request.Content), Is.EqualTo((true, (byte[]?)null)), "the large request was streamed");
            Assert.That(flows[2].Response!.Content, Has.Length.EqualTo(5000 + "POST length=5000 ".Length));
        });
        var recorded = (await proxy.Host.RecordedAsync("recorder")).Where(r => r.EndsWith("/echo", StringComparison.Ordinal) || r.StartsWith("server_", StringComparison.Ordinal)).ToList();
        Assert.That(recorded.IndexOf("request:127.0.0.1/echo"), Is.GreaterThan(recorded.IndexOf("requestheaders:127.0.0.1/echo")));
        Assert.That(recorded.IndexOf("request:127.0.0.1/echo"), Is.LessThan(recorded.IndexOf("responseheaders:127.0.0.1/echo")), "request fires once the streamed body has passed");
    }

    [Test]
    public async Task ALargeBodyIsRelayedIntact()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync();
        using var client = proxy.CreateClient();

        var body = await client.GetByteArrayAsync(origin.Http("/big/3000000"));

        Assert.That(body, Has.Length.EqualTo(3_000_000));
        Assert.That(Encoding.ASCII.GetString(body, 2_999_990, 10), Is.EqualTo(Encoding.ASCII.GetString(Enumerable.Range(2_999_990, 10).Select(i => (byte)('a' + (i % 26))).ToArray())));
    }
}
