using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Addons.Host.Tests.Web;

/// <summary>
/// Debian's headless Chromium (through Debian's chromedriver) loads a page and its script, stylesheet and image from
/// an HTTPS origin on localhost through the proxy: the proxy intercepts the CONNECT tunnel and must speak h2 with the
/// browser (ALPN), so every flow of the page is HTTP/2. Chromium trusts the proxy by key hashes
/// (--ignore-certificate-errors-spki-list: the CA's and, see <see cref="ProxyLeafSpkiHashAsync"/>, its leaves') and is told not to bypass the proxy for loopback (&lt;-loopback&gt;); an addon
/// refuses every host but loopback, so the browser's own traffic never leaves the machine.
/// </summary>
[NonParallelizable]
public sealed class ChromiumH2Tests
{
    private const string LoadedTitle = "h2 page loaded";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly string[] PagePaths = ["/page.html", "/app.js", "/style.css", "/pixel.png"];

    // A 1x1 PNG.
    private static readonly byte[] Pixel = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private string _folder = null!;
    private WebApplication? _origin;
    private X509Certificate2? _originCertificate;
    private int _originPort;
    private ProxyHarness? _proxy;
    private FlowProbe _probe = null!;
    private ChromeDriver? _browser;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        HeadlessChromium.IgnoreUnlessInstalled();

        _folder = Directory.CreateTempSubdirectory("chromium-h2-").FullName;
        _originCertificate = LocalhostCertificate.Create();
        var pem = await LocalhostCertificate.WritePemAsync(_originCertificate, _folder, "origin-cert.pem");
        _origin = await StartOriginAsync(_originCertificate);
        _originPort = new Uri(_origin.Urls.Single()).Port;

        _probe = new FlowProbe();
        _proxy = await ProxyHarness.StartAsync([ProxyHarness.Recorder], [_probe, new LoopbackOnly()], "--set", $"ssl_verify_upstream_trusted_ca={pem}");

        _browser = HeadlessChromium.Start(
            _folder,
            Patience,
            "--window-size=1200,800",
            "--disable-quic",
            $"--proxy-server=http://{_proxy.EndPoint}",
            "--proxy-bypass-list=<-loopback>",
            $"--ignore-certificate-errors-spki-list={SpkiHash(_proxy.CaCertificate)},{await ProxyLeafSpkiHashAsync()}");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _browser?.Quit();
        _browser?.Dispose();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_origin is not null)
        {
            await _origin.StopAsync();
            await _origin.DisposeAsync();
        }

        _originCertificate?.Dispose();
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task APageAndItsSubresourcesLoadOverHttp2ThroughTheProxy()
    {
        var flows = await LoadPageAsync("h2-page");

        Assert.That(Script("return document.getElementById('status').textContent"), Is.EqualTo("loaded: image 1x1, color rgb(0, 128, 0)"), "the script ran, the image and the stylesheet loaded");
        Assert.That(Script("return performance.getEntriesByType('navigation')[0].nextHopProtocol"), Is.EqualTo("h2"), "the browser spoke h2 for the page");
        var resources = Script("return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname + ' ' + e.nextHopProtocol).sort().join('\\n')");
        Assert.That(resources, Is.EqualTo("/app.js h2\n/pixel.png h2\n/style.css h2"), "and for every subresource");
        Assert.That(flows.Select(f => f.Request.Path).Distinct(), Is.SupersetOf(PagePaths));
        Assert.Multiple(() =>
        {
            foreach (var flow in flows)
            {
                var what = $"{flow.Request.Path}: ";
                Assert.That(flow.Request.HttpVersion, Is.EqualTo("HTTP/2.0"), what + "the flow is HTTP/2");
                Assert.That(flow.Client.Alpn, Is.EqualTo("h2"), what + "h2 was negotiated with the browser");
                Assert.That((flow.Request.Scheme, flow.Request.Host, flow.Request.Port), Is.EqualTo(("https", "localhost", _originPort)), what);
                Assert.That(flow.Error, Is.Null, what + flow.Error?.Message);
                Assert.That(flow.Response?.StatusCode, PagePaths.Contains(flow.Request.Path) ? Is.EqualTo(200) : Is.Not.Null, what);
            }
        });
    }

    /// <summary>Needs the proxy's HTTP/2 client: the origin offers h2, so the server's side of each flow is h2 too.</summary>
    [Test]
    public async Task APagesFlowsGoUpstreamOverHttp2()
    {
        var flows = await LoadPageAsync("h2-upstream");

        Assert.Multiple(() =>
        {
            foreach (var flow in flows)
            {
                Assert.That(flow.Server.Alpn, Is.EqualTo("h2"), $"{flow.Request.Path}: the proxy negotiated h2 with the origin");
                Assert.That(flow.Response?.HttpVersion, Is.EqualTo("HTTP/2.0"), $"{flow.Request.Path}: the origin answered over HTTP/2");
            }
        });
    }

    /// <summary>Opens the page, waits for its script to have run and for the flows of the page and its subresources, and screenshots it.</summary>
    private async Task<List<HttpFlow>> LoadPageAsync(string name)
    {
        var before = _probe.Ended.Count;
        _browser!.Navigate().GoToUrl($"https://localhost:{_originPort}/page.html");
        await WaitAsync(() => _browser.Title == LoadedTitle, "the page's script sets the title once everything loaded");
        Screenshot(name);
        List<HttpFlow> flows = [];
        await WaitAsync(() =>
        {
            flows = [.. _probe.Ended.Skip(before).Where(f => f.Request.Port == _originPort)];
            return PagePaths.All(p => flows.Any(f => f.Request.Path == p));
        }, "the proxy saw the page and each of its subresources");
        return flows;
    }

    private string? Script(string script) => _browser!.ExecuteScript(script)?.ToString();

    private void Screenshot(string name)
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"chromium-{name}.png");
        _browser!.GetScreenshot().SaveAsFile(path);
        TestContext.AddTestAttachment(path, $"The page loaded through the proxy: {name}");
    }

    private async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Screenshot("timeout");
                Assert.Fail($"Timed out waiting until {what}. Flows: [{string.Join(", ", _probe.Ended.Select(f => $"{f.Request.Url} {f.Request.HttpVersion} {f.Response?.StatusCode} {f.Error?.Message}"))}]");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// The key hash of the leaf certificate the proxy presents for the origin. Chromium matches its SPKI list against
    /// the certificates the server sent, and the proxy sends its leaf alone (its CA is not in the chain it sends);
    /// unlike mitmproxy's, this proxy's leaves have a key of their own (one for all of them), so the CA's hash alone
    /// matches nothing and the page fails with ERR_CERT_AUTHORITY_INVALID.
    /// </summary>
    private async Task<string> ProxyLeafSpkiHashAsync()
    {
        string? hash = null;
        var ca = _proxy!.CaCertificate;
        var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(_proxy.ProxyUri),
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    using var leaf = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
                    hash = SpkiHash(leaf);
                    return ProxyHarness.IsSignedBy(certificate, ca);
                },
            },
        };
        using var client = new HttpClient(handler) { Timeout = Patience };
        using var response = await client.GetAsync($"https://localhost:{_originPort}/style.css");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return hash!;
    }

    /// <summary>Chromium's form of a key hash: base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo.</summary>
    private static string SpkiHash(X509Certificate2 certificate) =>
        Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    /// <summary>An HTTPS origin on 127.0.0.1 (named localhost by its certificate) with a page and three subresources, none cached.</summary>
    private static async Task<WebApplication> StartOriginAsync(X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            await next(context);
        });
        app.MapGet("/page.html", () => Results.Content(
            """
            <!doctype html>
            <html>
            <head>
              <meta charset="utf-8">
              <title>waiting</title>
              <link rel="icon" href="data:,">
              <link rel="stylesheet" href="/style.css">
              <script src="/app.js" defer></script>
            </head>
            <body>
              <h1 id="status">the script has not run</h1>
              <img id="pixel" src="/pixel.png" width="32" height="32" alt="a pixel">
            </body>
            </html>
            """, "text/html; charset=utf-8"));
        app.MapGet("/style.css", () => Results.Text("#status { color: rgb(0, 128, 0); }\n", "text/css"));
        app.MapGet("/app.js", () => Results.Text(
            $$"""
            window.addEventListener('load', () => {
              const image = document.getElementById('pixel');
              const status = document.getElementById('status');
              status.textContent = 'loaded: image ' + image.naturalWidth + 'x' + image.naturalHeight + ', color ' + getComputedStyle(status).color;
              document.title = '{{LoadedTitle}}';
            });
            """, "text/javascript"));
        app.MapGet("/pixel.png", () => Results.Bytes(Pixel, "image/png"));
        await app.StartAsync();
        return app;
    }

    /// <summary>Refuses every tunnel and request to a host other than loopback, so that nothing the browser sends leaves the machine.</summary>
    private sealed class LoopbackOnly : Addon
    {
        public override string Name => "loopback-only";

        public override ValueTask HttpConnectAsync(HttpFlowContext context) => Refuse(context.Flow);

        public override ValueTask RequestHeadersAsync(HttpFlowContext context) => Refuse(context.Flow);

        private static ValueTask Refuse(HttpFlow flow)
        {
            if (flow.Request.Host is not ("localhost" or "127.0.0.1"))
            {
                flow.Response = Addons.Abstractions.Flows.HttpResponse.Create(403, $"this test's proxy serves loopback only, not {flow.Request.Host}");
            }

            return default;
        }
    }
}
