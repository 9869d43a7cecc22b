using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Addons.Abstractions;
using Addons.Host.Proxy;
using Microsoft.Extensions.DependencyInjection;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>The real host with its proxy listening on a free loopback port, and clients that use it.</summary>
internal sealed class ProxyHarness : IAsyncDisposable
{
    private ProxyHarness(TestHost host, ProxyServer server)
    {
        Host = host;
        Server = server;
    }

    public TestHost Host { get; }

    public ProxyServer Server { get; }

    public IPEndPoint EndPoint => Server.EndPoint!;

    public Uri ProxyUri => new($"http://{EndPoint}");

    public X509Certificate2 CaCertificate => Server.Authority!.Certificate;

    public static string Recorder => TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1);

    /// <summary>Starts the host with the given plugins (the Recorder when none are given) and waits until it listens.</summary>
    public static Task<ProxyHarness> StartAsync(IEnumerable<string>? entries = null, params string[] args) =>
        StartAsync(TestHost.StartAsync(entries ?? [Recorder], args));

    /// <summary>As <see cref="StartAsync(IEnumerable{string}, string[])"/>, with addons of the test's own in the chain (in process, after the plugins).</summary>
    public static Task<ProxyHarness> StartAsync(IEnumerable<string> entries, IReadOnlyList<Addon> addons, params string[] args) =>
        StartAsync(TestHost.StartAsync(entries, addons, args));

    private static async Task<ProxyHarness> StartAsync(Task<TestHost> starting)
    {
        var host = await starting;
        await host.Host.StartAsync();
        var server = host.Services.GetRequiredService<ProxyServer>();
        if (server.EndPoint is null)
        {
            await host.DisposeAsync();
            Assert.Fail("The proxy did not start listening: " + string.Join(Environment.NewLine, host.Logs.Errors));
        }

        return new ProxyHarness(host, server);
    }

    /// <summary>An HttpClient that goes through the proxy and trusts its CA (and only that) for HTTPS.</summary>
    public HttpClient CreateClient(bool useProxy = true)
    {
        var ca = CaCertificate;
        var handler = new SocketsHttpHandler
        {
            UseProxy = useProxy,
            Proxy = useProxy ? new WebProxy(ProxyUri) : null,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => IsSignedBy(cert, ca) },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public Task<RawClient> ConnectAsync() => RawClient.ConnectAsync(EndPoint);

    public static bool IsSignedBy(X509Certificate? certificate, X509Certificate2 ca)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    public async ValueTask DisposeAsync()
    {
        await Host.Host.StopAsync();
        await Host.DisposeAsync();
    }
}
