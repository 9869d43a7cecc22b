using System.Diagnostics.Metrics;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Addons.Host.Tests.Diagnostics;

public sealed class HostMetricsTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-metrics-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task RequestsThroughTheProxyShowInTheHostsMeter()
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(
            [TestHost.Entry("Thrower", TestPaths.TestPlugin("Thrower"), 1), ProxyHarness.Recorder],
            "--set", $"ssl_verify_upstream_trusted_ca={origin.CertificatePemPath}");
        using var metrics = new MeterCapture(proxy.Host.Services.GetRequiredService<IMeterFactory>());
        using var client = proxy.CreateClient();

        // Three plain requests on one kept-alive connection each side, then one through an intercepted tunnel.
        for (var i = 0; i < 3; i++)
        {
            Assert.That(await client.GetStringAsync(origin.Http("/hello")), Is.EqualTo("hello"));
        }

        Assert.That(await client.GetStringAsync(origin.Https("/hello")), Is.EqualTo("hello"));
        metrics.Observe();

        Assert.Multiple(() =>
        {
            // The CONNECT is a request and a flow of its own, as in mitmproxy.
            Assert.That(metrics.Sum("addons.proxy.requests"), Is.EqualTo(5));
            Assert.That(metrics.Sum("addons.flows", ("type", "http")), Is.EqualTo(5));
            Assert.That(metrics.Last("addons.proxy.client.connections.active"), Is.GreaterThanOrEqualTo(1), "the client keeps its connections open");
            Assert.That(metrics.Last("addons.proxy.upstream.connections.active"), Is.GreaterThanOrEqualTo(1), "the pool keeps the origin's open");
            Assert.That(metrics.Sum("addons.proxy.upstream.pool.hits"), Is.EqualTo(2), "the second and third plain requests reused the first one's connection");
            Assert.That(metrics.Sum("addons.proxy.upstream.pool.misses"), Is.EqualTo(2));
            Assert.That(metrics.Sum("addons.proxy.tls.handshakes", ("side", "client"), ("outcome", "established")), Is.EqualTo(1));
            Assert.That(metrics.Sum("addons.proxy.tls.handshakes", ("side", "upstream"), ("outcome", "established")), Is.EqualTo(1));
            foreach (var side in new[] { "client", "upstream" })
            {
                foreach (var direction in new[] { "receive", "transmit" })
                {
                    Assert.That(metrics.Sum("addons.proxy.bytes", ("side", side), ("direction", direction)), Is.GreaterThan(4 * "hello".Length), $"{side} {direction}");
                }
            }

            Assert.That(metrics.Values("addons.hook.duration", ("addon", "recorder"), ("hook", "request")), Has.Count.EqualTo(4).And.All.GreaterThanOrEqualTo(0));
            Assert.That(metrics.Sum("addons.hook.errors", ("addon", "thrower"), ("hook", "request")), Is.EqualTo(4));
            Assert.That(metrics.Sum("addons.hook.errors", ("addon", "recorder")), Is.Zero);
        });
    }
}
