using System.Net;
using System.Net.Security;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Proxy;

/// <summary>HTTP/2 clients (HttpClient) through the proxy: h2c with prior knowledge, and h2 negotiated by ALPN on intercepted TLS.</summary>
public sealed class ProxyHttp2Tests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-h2-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task AnH2cClientIsServedInReverseModeAndItsFlowIsHttp2()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}");
        var flows = Collect(proxy);
        using var client = H2cClient();

        using var response = await client.GetAsync($"http://{proxy.EndPoint}/headers");
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(response.Version, Is.EqualTo(HttpVersion.Version20), "the client spoke HTTP/2 with the proxy");
        Assert.That(body, Does.Contain($"Host: 127.0.0.1:{origin.HttpPort}"), "the HTTP/1.1 origin got a Host made from :authority");
        var flow = flows.Single();
        Assert.Multiple(() =>
        {
            Assert.That(flow.Request.HttpVersion, Is.EqualTo("HTTP/2.0"));
            Assert.That((flow.Request.Method, flow.Request.Scheme, flow.Request.Path), Is.EqualTo(("GET", "http", "/headers")));
            Assert.That(flow.Request.Authority, Is.EqualTo($"127.0.0.1:{origin.HttpPort}"));
            Assert.That(flow.Request.Headers.Any(h => h.Name.StartsWith(':')), Is.False, "pseudo-header fields are not headers");
            Assert.That(flow.Response!.StatusCode, Is.EqualTo(200));
            Assert.That(flow.Response.HttpVersion, Is.EqualTo("HTTP/1.1"), "the server's side spoke HTTP/1.1");
        });
    }

    [Test]
    public async Task HttpsThroughConnectNegotiatesH2WithTheClient()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"ssl_verify_upstream_trusted_ca={origin.CertificatePemPath}");
        var flows = Collect(proxy);
        using var client = TlsClient(proxy);

        using var response = await client.GetAsync(origin.Https("/scheme"));

        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo($"https localhost:{origin.HttpsPort}"));
        Assert.That(response.Version, Is.EqualTo(HttpVersion.Version20));
        var flow = flows.Single();
        Assert.That((flow.Client.Alpn, flow.Request.HttpVersion, flow.Request.Scheme, flow.Request.Port), Is.EqualTo(("h2", "HTTP/2.0", "https", origin.HttpsPort)));
        Assert.That((flow.Server!.Alpn, flow.Response!.HttpVersion), Is.EqualTo(("h2", "HTTP/2.0")), "the server was asked first and chose h2 too");
        var recorded = await proxy.Host.RecordedAsync("recorder");
        Assert.That(recorded, Is.SupersetOf(new[] { "requestheaders:localhost/scheme", "request:localhost/scheme", "responseheaders:localhost/scheme", "response:localhost/scheme" }));
    }

    [Test]
    public async Task AnH2ClientOfAnHttp1OnlyServerIsTranslated()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"ssl_verify_upstream_trusted_ca={origin.CertificatePemPath}");
        var flows = Collect(proxy);
        using var client = TlsClient(proxy);

        using var first = await client.GetAsync(origin.Https("/version"));
        using var second = await client.GetAsync(origin.Https("/headers"));

        Assert.That((first.Version, await first.Content.ReadAsStringAsync()), Is.EqualTo((HttpVersion.Version20, "HTTP/1.1")), "h2 to the client, HTTP/1.1 to the server");
        Assert.That(await second.Content.ReadAsStringAsync(), Does.Contain($"Host: localhost:{origin.HttpsPort}"));
        Assert.That(flows.Select(f => (f.Server!.Alpn, f.Response!.HttpVersion)), Is.All.EqualTo(("http/1.1", "HTTP/1.1")));
    }

    [Test]
    public async Task AllStreamsToOneServerShareOneHttp2Connection()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"ssl_verify_upstream_trusted_ca={origin.CertificatePemPath}");
        using var client = TlsClient(proxy);

        var connections = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetStringAsync(origin.Https("/conn"))));
        var versions = await client.GetStringAsync(origin.Https("/version"));

        Assert.That(versions, Is.EqualTo("HTTP/2"));
        Assert.That(connections.Distinct().Count(), Is.EqualTo(1), "50 streams, one upstream connection");
    }

    [Test]
    public async Task ResponseTrailersPassFromAnHttp2ServerToAnHttp2Client()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"ssl_verify_upstream_trusted_ca={origin.CertificatePemPath}");
        var flows = Collect(proxy);
        using var client = TlsClient(proxy);

        using var response = await client.GetAsync(origin.Https("/trailers"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(body, Is.EqualTo("with trailers"));
        Assert.That(response.TrailingHeaders.GetValues("x-checksum"), Is.EqualTo(new[] { "abc123" }));
        Assert.That(flows.Single().Response!.Trailers?["x-checksum"], Is.EqualTo("abc123"));
    }

    [Test]
    public async Task AReverseProxySpokenToOverTlsNegotiatesH2()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:https://localhost:{origin.HttpsPort}", "--set", $"ssl_verify_upstream_trusted_ca={origin.CertificatePemPath}");
        var flows = Collect(proxy);
        var ca = proxy.CaCertificate;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => ProxyHarness.IsSignedBy(cert, ca) },
        })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await client.GetAsync($"https://127.0.0.1:{proxy.EndPoint.Port}/scheme");

        Assert.That(response.Version, Is.EqualTo(HttpVersion.Version20));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo($"https localhost:{origin.HttpsPort}"));
        var flow = flows.Single();
        Assert.That((flow.Client.Alpn, flow.Server!.Alpn, flow.Server.Sni), Is.EqualTo(("h2", "h2", "localhost")));
    }

    [Test]
    public async Task ConcurrentStreamsOnOneConnectionEachGetTheirOwnResponse()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}");
        using var client = H2cClient();

        var sizes = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
            (await client.GetByteArrayAsync($"http://{proxy.EndPoint}/big/{1000 + (i * 997)}")).Length));

        Assert.That(sizes, Is.EqualTo(Enumerable.Range(0, 100).Select(i => 1000 + (i * 997))));
    }

    [Test]
    public async Task RequestAndResponseBodiesLargerThanTheWindowsPassWhole()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}");
        using var client = H2cClient();
        var sent = new string('x', 3_000_000);

        using var post = await client.PostAsync($"http://{proxy.EndPoint}/echo", new StringContent(sent));
        var big = await client.GetByteArrayAsync($"http://{proxy.EndPoint}/big/5000000");

        Assert.That(await post.Content.ReadAsStringAsync(), Is.EqualTo("POST length=3000000 " + sent));
        Assert.That(big, Has.Length.EqualTo(5_000_000));
        Assert.That(big[4_999_999], Is.EqualTo((byte)('a' + (4_999_999 % 26))));
    }

    [Test]
    public async Task StreamedBodiesPassWithoutBeingStored()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}", "--set", "stream_large_bodies=1k");
        var flows = Collect(proxy);
        using var client = H2cClient();

        var large = await client.GetByteArrayAsync($"http://{proxy.EndPoint}/big/300000");
        using var post = await client.PostAsync($"http://{proxy.EndPoint}/echo", new StringContent(new string('y', 5000)));

        Assert.That(large, Has.Length.EqualTo(300_000));
        Assert.That(await post.Content.ReadAsStringAsync(), Is.EqualTo("POST length=5000 " + new string('y', 5000)));
        Assert.That((flows[0].Response!.Stream, flows[0].Response!.Content), Is.EqualTo((true, (byte[]?)null)), "the large response was streamed");
        Assert.That((flows[1].Request.Stream, flows[1].Request.Content), Is.EqualTo((true, (byte[]?)null)), "the large request was streamed");
    }

    [Test]
    public async Task AStreamedRequestOfUnknownLengthGoesChunkedToAnHttp1Server()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync([ProxyHarness.Recorder], [new StreamRequests()], "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}");
        using var client = H2cClient();

        using var post = await client.PostAsync($"http://{proxy.EndPoint}/echo", new UnknownLengthContent(Encoding.ASCII.GetBytes(new string('z', 70_000))));

        Assert.That(await post.Content.ReadAsStringAsync(), Is.EqualTo("POST chunked " + new string('z', 70_000)));
    }

    [Test]
    public async Task ARefusedOriginGetsA502OnItsStreamAndTheConnectionGoesOn()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        var closedPort = ClosedPort();
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{closedPort}");
        var flows = Collect(proxy);
        using var client = H2cClient();

        using var first = await client.GetAsync($"http://{proxy.EndPoint}/hello");
        using var second = await client.GetAsync($"http://{proxy.EndPoint}/hello");

        Assert.That((first.StatusCode, second.StatusCode), Is.EqualTo((HttpStatusCode.BadGateway, HttpStatusCode.BadGateway)));
        Assert.That(await first.Content.ReadAsStringAsync(), Does.Contain($"127.0.0.1:{closedPort}"));
        Assert.That(flows.Select(f => f.Error?.Message), Has.All.Not.Null, "each stream's flow ended in error");
    }

    /// <summary>Streams every request body, as an addon may decide in requestheaders.</summary>
    private sealed class StreamRequests : Addons.Abstractions.Addon
    {
        public override string Name => "stream-requests";

        public override ValueTask RequestHeadersAsync(Addons.Abstractions.Hooks.HttpFlowContext context)
        {
            context.Flow.Request.Stream = true;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A body whose length is not known up front: an HTTP/2 request without content-length.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static HttpClient H2cClient() => new(new SocketsHttpHandler { UseProxy = false })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static HttpClient TlsClient(ProxyHarness proxy)
    {
        var ca = proxy.CaCertificate;
        var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(proxy.ProxyUri),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => ProxyHarness.IsSignedBy(cert, ca) },
        };
        return new HttpClient(handler)
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    private static List<HttpFlow> Collect(ProxyHarness proxy)
    {
        var flows = new List<HttpFlow>();
        proxy.Host.Bus.Subscribe<KeyValuePair<string, Flow>>(() => "test", m =>
        {
            lock (flows)
            {
                flows.Add((HttpFlow)m.Value);
            }
        });
        return flows;
    }
}
