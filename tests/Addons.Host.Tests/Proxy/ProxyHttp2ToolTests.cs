using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Addons.Abstractions.Flows;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Proxy;

/// <summary>
/// Real HTTP/2 clients against the proxy: curl (Debian's curl, built with nghttp2), and nghttp and h2load (Debian's
/// nghttp2-client); .ci/run installs both. h2c with prior knowledge in reverse mode, and h2 by ALPN on TLS
/// intercepted inside a CONNECT tunnel. Each tool runs as a process that is killed after <see cref="ToolTimeout"/>,
/// and its command line, exit code and output are in every failure message. Loopback only.
/// </summary>
public sealed partial class ProxyHttp2ToolTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(60);

    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("addons-h2-tools-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(120_000)]
    public async Task CurlWithPriorKnowledgeSpeaksH2cToTheProxyInReverseMode(CancellationToken cancellationToken)
    {
        var curl = Require("curl", "curl");
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}");
        var flows = Collect(proxy);
        var body = Path.Combine(_folder, "body");

        var run = await RunAsync(curl, [.. CurlArgs, "--http2-prior-knowledge", "-o", body, "-w", "%{http_version} %{http_code}", $"http://{proxy.EndPoint}/hello"], cancellationToken);

        Assert.That(run.Code, Is.Zero, run.ToString());
        Assert.That(run.Stdout, Is.EqualTo("2 200"), run.ToString());
        Assert.That(await File.ReadAllTextAsync(body, cancellationToken), Is.EqualTo("hello"), run.ToString());
        var flow = await SingleFlowAsync(flows, cancellationToken);
        Assert.Multiple(() =>
        {
            Assert.That(flow.Request.HttpVersion, Is.EqualTo("HTTP/2.0"));
            Assert.That((flow.Request.Method, flow.Request.Path), Is.EqualTo(("GET", "/hello")));
            Assert.That(flow.Response!.StatusCode, Is.EqualTo(200));
        });
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task CurlThroughConnectNegotiatesH2WithTheInterceptingProxy(CancellationToken cancellationToken)
    {
        var curl = Require("curl", "curl");
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"ssl_verify_upstream_trusted_ca={origin.CertificatePemPath}");
        var flows = Collect(proxy);
        var ca = Path.Combine(_folder, "proxy-ca.pem");
        await File.WriteAllTextAsync(ca, proxy.CaCertificate.ExportCertificatePem(), cancellationToken);
        var body = Path.Combine(_folder, "body");

        // curl trusts only the proxy's CA: a tunnelled (not intercepted) connection would fail its verification.
        var run = await RunAsync(curl, [.. CurlArgs, "--http2", "-x", proxy.ProxyUri.ToString(), "--cacert", ca, "-o", body, "-w", "%{http_version} %{http_code}", origin.Https("/scheme")], cancellationToken);

        Assert.That(run.Code, Is.Zero, run.ToString());
        Assert.That(run.Stdout, Is.EqualTo("2 200"), run.ToString());
        Assert.That(await File.ReadAllTextAsync(body, cancellationToken), Is.EqualTo($"https localhost:{origin.HttpsPort}"), run.ToString());
        var flow = await SingleFlowAsync(flows, cancellationToken);
        Assert.That((flow.Client.Alpn, flow.Request.HttpVersion, flow.Request.Scheme, flow.Request.Host, flow.Request.Port), Is.EqualTo(("h2", "HTTP/2.0", "https", "localhost", origin.HttpsPort)));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task CurlPostsAMegabyteOverH2cAndGetsItBackWhole(CancellationToken cancellationToken)
    {
        var curl = Require("curl", "curl");
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}");
        var flows = Collect(proxy);
        var sent = string.Concat(Enumerable.Range(0, 1 << 20).Select(i => (char)('A' + (i * 7 % 26))));
        var upload = Path.Combine(_folder, "upload");
        await File.WriteAllTextAsync(upload, sent, Encoding.ASCII, cancellationToken);
        var body = Path.Combine(_folder, "body");

        var run = await RunAsync(curl, [.. CurlArgs, "--http2-prior-knowledge", "--data-binary", "@" + upload, "-H", "Content-Type: text/plain", "-o", body, "-w", "%{http_version} %{http_code} %{size_upload}", $"http://{proxy.EndPoint}/echo"], cancellationToken);

        Assert.That(run.Code, Is.Zero, run.ToString());
        Assert.That(run.Stdout, Is.EqualTo("2 200 1048576"), run.ToString());
        var echoed = await File.ReadAllTextAsync(body, cancellationToken);
        Assert.That(echoed, Has.Length.EqualTo("POST length=1048576 ".Length + sent.Length), run.ToString());
        Assert.That(echoed == "POST length=1048576 " + sent, Is.True, "the echoed body is the one sent, byte for byte; it starts: " + echoed[..Math.Min(80, echoed.Length)]);
        var flow = await SingleFlowAsync(flows, cancellationToken);
        Assert.That((flow.Request.HttpVersion, flow.Request.Method, flow.Request.Content?.Length), Is.EqualTo(("HTTP/2.0", "POST", (int?)(1 << 20))));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task NghttpExchangesSettingsAndGetsA200OverH2c(CancellationToken cancellationToken)
    {
        var nghttp = Require("nghttp", "nghttp2-client");
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}");

        // Without -u nghttp sends the connection preface right away for an http:// URI (prior knowledge).
        var run = await RunAsync(nghttp, ["-nv", $"http://{proxy.EndPoint}/hello"], cancellationToken);

        Assert.That(run.Code, Is.Zero, run.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(run.Stdout, Does.Contain("send SETTINGS frame"), run.ToString());
            Assert.That(run.Stdout, Does.Match(@"recv SETTINGS frame <length=\d+, flags=0x00, stream_id=0>"), "the proxy's own SETTINGS\n" + run);
            Assert.That(run.Stdout, Does.Match(@"recv SETTINGS frame <length=0, flags=0x01, stream_id=0>"), "the proxy acknowledged nghttp's SETTINGS\n" + run);
            Assert.That(run.Stdout, Does.Contain(":status: 200"), run.ToString());
            Assert.That(run.Stdout, Does.Match(@"recv DATA frame <length=5, flags=0x0[01], stream_id=\d+>"), "the body, \"hello\"\n" + run);
            Assert.That(run.Stdout, Does.Not.Contain("recv GOAWAY").And.Not.Contain("recv RST_STREAM"), run.ToString());
        });
    }

    [Test]
    [CancelAfter(180_000)]
    public Task H2loadGets2000ResponsesOver10ConnectionsOf10Streams(CancellationToken cancellationToken) =>
        H2loadGetsEveryResponseAsync(2000, 10, 10, cancellationToken);

    /// <summary>
    /// A client that opens a new stream the moment one ends, at the concurrency limit the proxy announced (100): each
    /// is served, none refused (REFUSED_STREAM) while the previous one's exchange finishes.
    /// </summary>
    [Test]
    [CancelAfter(90_000)]
    public Task H2loadAtTheConcurrencyLimitHasNoStreamRefused(CancellationToken cancellationToken) =>
        H2loadGetsEveryResponseAsync(20_000, 2, 100, cancellationToken);

    private async Task H2loadGetsEveryResponseAsync(int total, int connections, int streams, CancellationToken cancellationToken)
    {
        var h2load = Require("h2load", "nghttp2-client");
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        await using var proxy = await ProxyHarness.StartAsync(null, "--set", $"mode=reverse:http://127.0.0.1:{origin.HttpPort}");

        var run = await RunAsync(h2load, ["-n", total.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture), "-m", streams.ToString(CultureInfo.InvariantCulture), $"http://{proxy.EndPoint}/hello"], cancellationToken);

        Assert.That(run.Code, Is.Zero, run.ToString());
        var requests = RequestsLine().Match(run.Stdout);
        var codes = StatusCodesLine().Match(run.Stdout);
        Assert.That((requests.Success, codes.Success), Is.EqualTo((true, true)), "h2load printed its summary\n" + run);
        Assert.Multiple(() =>
        {
            Assert.That(Count(requests, "total"), Is.EqualTo(total), run.ToString());
            Assert.That((Count(requests, "succeeded"), Count(requests, "failed"), Count(requests, "errored"), Count(requests, "timeout")), Is.EqualTo((total, 0, 0, 0)), run.ToString());
            Assert.That((Count(codes, "s2"), Count(codes, "s3"), Count(codes, "s4"), Count(codes, "s5")), Is.EqualTo((total, 0, 0, 0)), run.ToString());
            Assert.That(run.Stdout, Does.Contain("Application protocol: h2c"), run.ToString());
        });
    }

    private static int Count(Match match, string group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"requests: (?<total>\d+) total, (?<started>\d+) started, (?<done>\d+) done, (?<succeeded>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored, (?<timeout>\d+) timeout")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"status codes: (?<s2>\d+) 2xx, (?<s3>\d+) 3xx, (?<s4>\d+) 4xx, (?<s5>\d+) 5xx")]
    private static partial Regex StatusCodesLine();

    /// <summary>curl's first arguments: no ~/.curlrc (-q must come first), quiet but with errors, a time limit of its own.</summary>
    private static readonly string[] CurlArgs = ["-q", "-sS", "--max-time", "50"];

    /// <summary>The tool's path, or the test is ignored with the Debian package that has it.</summary>
    private static string Require(string tool, string package)
    {
        var path = new[] { "/usr/bin", "/usr/local/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            Assert.Ignore($"{tool} is not installed (Debian package {package}: apt-get install {package}; .ci/run installs it).");
        }

        return path!;
    }

    /// <summary>Runs a tool to its end, killed after <see cref="ToolTimeout"/> (which fails the test), with no proxy from the environment.</summary>
    private async Task<ToolRun> RunAsync(string tool, string[] args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(tool, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = _folder,
        };
        foreach (var name in new[] { "http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY" })
        {
            info.Environment.Remove(name);
        }

        info.Environment["HOME"] = _folder;
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var timedOut = false;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            limit.CancelAfter(ToolTimeout);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        var run = new ToolRun($"{tool} {string.Join(' ', args)}", process.ExitCode, await stdout, await stderr);
        if (timedOut)
        {
            Assert.Fail($"{Path.GetFileName(tool)} did not finish within {ToolTimeout.TotalSeconds:0} s and was killed.\n{run}");
        }

        return run;
    }

    private sealed record ToolRun(string CommandLine, int Code, string Stdout, string Stderr)
    {
        private const int Shown = 6000;

        public override string ToString() =>
            $"$ {CommandLine}\nexit code {Code}\n--- stdout ---\n{Tail(Stdout)}\n--- stderr ---\n{Tail(Stderr)}";

        private static string Tail(string text) => text.Length <= Shown ? text : $"[{text.Length - Shown} characters left out]...{text[^Shown..]}";
    }

    /// <summary>The one flow of the test, waited for a little: the tool may have exited before the flow's last hook ran.</summary>
    private static async Task<HttpFlow> SingleFlowAsync(List<HttpFlow> flows, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 100; i++)
        {
            lock (flows)
            {
                if (flows.Count > 0)
                {
                    return flows.Single();
                }
            }

            await Task.Delay(50, cancellationToken);
        }

        Assert.Fail("the proxy published no flow");
        return null!;
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
