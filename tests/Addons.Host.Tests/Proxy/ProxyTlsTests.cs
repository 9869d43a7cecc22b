using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Proxy;

public sealed class ProxyTlsTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-tls-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestCase("localhost")]
    [TestCase("127.0.0.1")]
    public async Task HttpsIsInterceptedWithACertificateFromTheProxysCa(string host)
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"ssl_verify_upstream_trusted_ca={origin.CertificatePemPath}");
        X509Certificate2? seen = null;
        var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(proxy.ProxyUri),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    seen = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return ProxyHarness.IsSignedBy(certificate, proxy.CaCertificate);
                },
            },
        };
        using var client = new HttpClient(handler);

        var body = await client.GetStringAsync(origin.Https("/scheme", host));

        Assert.That(body, Is.EqualTo($"https {host}:{origin.HttpsPort}"));
        Assert.That(seen!.Issuer, Is.EqualTo(proxy.CaCertificate.Subject), "the client saw the proxy's certificate, not the origin's");
        var recorded = await proxy.Host.RecordedAsync("recorder");
        Assert.That(recorded, Is.SupersetOf(new[] { $"http_connect:{host}", "tls_clienthello", "tls_established", $"request:{host}/scheme", $"response:{host}/scheme" }));
        Assert.That(recorded.Count(r => r == "tls_established"), Is.EqualTo(2), "one handshake with the client, one with the server");
    }

    [Test]
    public async Task AFlowRecordsBothSidesOfTheConnectionFaithfully()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"ssl_verify_upstream_trusted_ca={origin.CertificatePemPath}");
        var flows = new List<HttpFlow>();
        proxy.Host.Bus.Subscribe<KeyValuePair<string, Flow>>(() => "test", m =>
        {
            lock (flows)
            {
                flows.Add((HttpFlow)m.Value);
            }
        });
        using var client = proxy.CreateClient();

        await client.GetStringAsync(origin.Https("/hello"));

        var flow = flows.Single();
        Assert.Multiple(() =>
        {
            Assert.That(flow.Request.Scheme, Is.EqualTo("https"));
            Assert.That((flow.Request.Host, flow.Request.Port, flow.Request.Path), Is.EqualTo(("localhost", origin.HttpsPort, "/hello")));
            Assert.That(flow.Client.TlsEstablished, Is.True);
            Assert.That(flow.Client.TlsVersion, Does.StartWith("TLSv1."));
            Assert.That(flow.Client.Sni, Is.EqualTo("localhost"));
            Assert.That(flow.Client.Alpn, Is.Null.Or.EqualTo("http/1.1"), "HttpClient offers ALPN only for HTTP/2");
            Assert.That(flow.Client.MitmCertificate, Is.Not.Null);
            Assert.That(flow.Client.PeerName?.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(flow.Client.TimestampTlsSetup, Is.Not.Null);
            Assert.That(flow.Server.TlsEstablished, Is.True);
            Assert.That(flow.Server.Sni, Is.EqualTo("localhost"));
            Assert.That(flow.Server.Address, Is.EqualTo(new HostPort("localhost", origin.HttpsPort)));
            Assert.That(flow.Server.PeerName, Is.EqualTo(new HostPort("127.0.0.1", origin.HttpsPort)));
            Assert.That(flow.Server.CertificateChain.Single(), Is.EqualTo(origin.Certificate.RawData));
            Assert.That(flow.Server.TimestampTcpSetup, Is.Not.Null);
            Assert.That(flow.Request.TimestampEnd!.Value, Is.LessThanOrEqualTo(flow.Response!.TimestampStart));
            Assert.That(flow.Response.TimestampStart, Is.LessThanOrEqualTo(flow.Response.TimestampEnd!.Value));
            Assert.That(flow.Response.Content, Is.EqualTo("hello"u8.ToArray()));
            Assert.That(flow.Error, Is.Null);
        });
        Assert.That(proxy.Server.Authority!.IssuedCount, Is.EqualTo(1));
    }

    [Test]
    public async Task AnIgnoredHostIsTunneledWithoutInterception()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", "ignore_hosts=^localhost:");
        X509Certificate2? seen = null;
        var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(proxy.ProxyUri),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    seen = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return true;
                },
            },
        };
        using var client = new HttpClient(handler);

        Assert.That(await client.GetStringAsync(origin.Https("/hello")), Is.EqualTo("hello"));
        Assert.That(seen!.Thumbprint, Is.EqualTo(origin.Certificate.Thumbprint), "the client talked TLS with the origin itself");
        var recorded = await proxy.Host.RecordedAsync("recorder");
        Assert.That(recorded, Has.None.StartWith("request:"), "no flow inside an ignored tunnel");
    }

    [Test]
    public async Task AnAddonCanRefuseATunnel()
    {
        await using var proxy = await ProxyHarness.StartAsync([ProxyHarness.Recorder, TestHost.Entry("Rewriter", TestPaths.TestPlugin("Rewriter"), 2)]);
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync("CONNECT refused.example:443 HTTP/1.1\r\nHost: refused.example:443\r\n\r\n");
        var response = await client.ReadToEndAsync();

        Assert.That(response, Does.StartWith("HTTP/1.1 403 Forbidden\r\n").And.EndWith("no tunnels to refused.example"));
    }

    [Test]
    public async Task PlainHttpInsideATunnelIsServedAsFlows()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync();
        await using var client = await proxy.ConnectAsync();

        await client.SendAsync($"CONNECT 127.0.0.1:{origin.HttpPort} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        await client.ReadUntilAsync("\r\n\r\n");
        client.ClearReceived();
        await client.SendAsync($"GET /hello HTTP/1.1\r\nHost: 127.0.0.1:{origin.HttpPort}\r\n\r\n");
        var response = await client.ReadUntilAsync("hello");

        Assert.That(response, Does.StartWith("HTTP/1.1 200 OK\r\n"));
        Assert.That(await proxy.Host.RecordedAsync("recorder"), Has.Member("response:127.0.0.1/hello"));
    }

    /// <summary>Opens a CONNECT tunnel to the echo server on <paramref name="port"/>, sends a line through it and returns the reply.</summary>
    private static async Task<string> SayHelloThroughTunnelAsync(ProxyHarness proxy, int port)
    {
        var client = await proxy.ConnectAsync();
        await client.SendAsync($"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        await client.ReadUntilAsync("\r\n\r\n");
        client.ClearReceived();
        await client.SendAsync("hello\n");
        var reply = await client.ReadUntilAsync("echo:hello\n");
        await client.DisposeAsync();
        return reply;
    }

    [Test]
    public async Task RawTrafficInsideATunnelIsATcpFlowWhoseMessagesTheAddonsSee()
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var served = EchoAsync(echo);
        await using var proxy = await ProxyHarness.StartAsync();
        var port = ((IPEndPoint)echo.LocalEndpoint).Port;

        Assert.That(await SayHelloThroughTunnelAsync(proxy, port), Is.EqualTo("echo:hello\n"));
        await served;

        var recorded = await WaitForAsync(proxy, "tcp_end#2");
        Assert.That(recorded.Where(r => r.StartsWith("tcp_", StringComparison.Ordinal)), Is.EqualTo(new[] { "tcp_start#0", "tcp_message#1", "tcp_message#2", "tcp_end#2" }));
    }

    [Test]
    public async Task RawTrafficToAnIgnoredHostIsNoFlow()
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var served = EchoAsync(echo);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", "ignore_hosts=^127\\.0\\.0\\.1:");
        var port = ((IPEndPoint)echo.LocalEndpoint).Port;

        Assert.That(await SayHelloThroughTunnelAsync(proxy, port), Is.EqualTo("echo:hello\n"));
        await served;

        Assert.That(await proxy.Host.RecordedAsync("recorder"), Has.None.StartWith("tcp_"));
    }

    /// <summary>Answers one connection: each chunk it receives, back with "echo:" before it, until the client closes.</summary>
    private static async Task EchoAsync(TcpListener listener)
    {
        using var socket = await listener.AcceptSocketAsync();
        var buffer = new byte[1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("echo:" + Encoding.ASCII.GetString(buffer, 0, read)), SocketFlags.None);
        }
    }

    /// <summary>The recorder's log once it has <paramref name="entry"/> (the relay ends after the client closes).</summary>
    private static async Task<string[]> WaitForAsync(ProxyHarness proxy, string entry)
    {
        for (var i = 0; i < 100; i++)
        {
            var recorded = await proxy.Host.RecordedAsync("recorder");
            if (recorded.Contains(entry))
            {
                return recorded;
            }

            await Task.Delay(50);
        }

        return await proxy.Host.RecordedAsync("recorder");
    }

    [Test]
    public async Task WebSocketsAreRelayedAfterTheUpgrade()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.Proxy = new WebProxy(proxy.ProxyUri);

        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{origin.HttpPort}/ws"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("ping over the proxy"), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);

        Assert.That(Encoding.UTF8.GetString(buffer, 0, received.Count), Is.EqualTo("ping over the proxy"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await proxy.Host.RecordedAsync("recorder")).Contains("websocket_end:127.0.0.1/ws") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var recorded = await proxy.Host.RecordedAsync("recorder");
        Assert.That(recorded, Is.SupersetOf(new[] { "response:127.0.0.1/ws", "websocket_start:127.0.0.1/ws", "websocket_end:127.0.0.1/ws" }));
    }

    [Test]
    public async Task AClientThatDistrustsTheCaEndsInTlsFailedAndTheProxyGoesOn()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"ssl_verify_upstream_trusted_ca={origin.CertificatePemPath}");
        var handler = new SocketsHttpHandler { Proxy = new WebProxy(proxy.ProxyUri) };
        using var distrusting = new HttpClient(handler);

        Assert.That(async () => await distrusting.GetStringAsync(origin.Https("/hello")), Throws.InstanceOf<HttpRequestException>());

        using var trusting = proxy.CreateClient();
        Assert.That(await trusting.GetStringAsync(origin.Https("/hello")), Is.EqualTo("hello"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await proxy.Host.RecordedAsync("recorder")).Contains("tls_failed") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.That(await proxy.Host.RecordedAsync("recorder"), Has.Member("tls_failed"));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task TheCaIsCreatedOnceWithAPrivateKeyOnlyItsOwnerCanRead()
    {
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"confdir={_folder}/ca");

        var key = Path.Combine(_folder, "ca", "addons-ca.pem");
        Assert.That(File.GetUnixFileMode(key), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.Exists(Path.Combine(_folder, "ca", "addons-ca-cert.pem")), Is.True);
        Assert.That(proxy.Host.Logs.Lines.Select(l => l.Message), Has.Some.Contains($"CA certificate for clients: {_folder}/ca/addons-ca-cert.pem"));
    }
}
