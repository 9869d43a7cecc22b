using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Samples;

/// <summary>
/// The embedding samples as an application team meets them: copied out, built against the packed Addons.Host, run as
/// their own programs, and a flow sent through the proxy each carries.
/// </summary>
public sealed partial class EmbeddingSampleTests
{
    [Test]
    [CancelAfter(600_000)]
    public async Task The_worker_runs_the_Hello_plugin_and_its_own_addon_in_one_chain(CancellationToken cancellationToken)
    {
        using var author = await AuthorFolder.CreateAsync("addons-worker-", cancellationToken);
        var hello = author.CopySample("Hello");
        var worker = author.CopySample("EmbeddedWorker");

        // The sample's README: publish the plugin into plugins/Hello, then run the worker.
        await author.DotnetAsync(hello, cancellationToken, "publish", "-o", Path.Combine(worker, "plugins", "Hello"));
        await author.DotnetAsync(worker, cancellationToken, "build");
        await using var origin = await KestrelOrigin.StartAsync(author.Folder);
        await using var host = await ProxyProcess.StartAsync(author.StartInfo("dotnet",
        [
            Path.Combine(worker, "bin", "Debug", "net10.0", "EmbeddedWorker.dll"),
            "--AddonProxy:Proxy:listen_port=0", $"--AddonProxy:Proxy:confdir={Path.Combine(author.Folder, "conf")}",
            "--AddonProxy:Addons:StampAddon:Options:stamp_value=tested",
            "--Logging:Console:LogToStandardErrorThreshold=Trace",
        ], worker), cancellationToken);
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{host.Proxy}") });

        using var response = await client.GetAsync(origin.Http("/hello"), cancellationToken);

        Assert.That(await response.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("hello"), host.Log);
        Assert.That(Header(response, "X-Hello-Count"), Is.EqualTo("1"), "the plugin ran");
        Assert.That(Header(response, "X-Stamped-By"), Is.EqualTo("tested #1"), "the worker's own addon ran, with its option from configuration");
        Assert.That(host.Log, Does.Contain($"Embedded proxy at {host.Proxy} with addons proxy, hello, stamp, intercept, readfile, save, dump, control, clientplayback"));
    }

    [Test]
    [CancelAfter(600_000)]
    public async Task The_web_app_serves_its_own_endpoints_beside_the_proxy_behind_its_token(CancellationToken cancellationToken)
    {
        using var author = await AuthorFolder.CreateAsync("addons-web-", cancellationToken);
        var web = author.CopySample("EmbeddedWeb");
        await author.DotnetAsync(web, cancellationToken, "build");
        await using var origin = await KestrelOrigin.StartAsync(author.Folder);
        await using var host = await ProxyProcess.StartAsync(author.StartInfo("dotnet",
        [
            Path.Combine(web, "bin", "Debug", "net10.0", "EmbeddedWeb.dll"),
            "--Urls=http://127.0.0.1:0", "--StatusToken=sample-token",
            "--AddonProxy:Proxy:listen_port=0", $"--AddonProxy:Proxy:confdir={Path.Combine(author.Folder, "conf")}",
            "--Logging:Console:LogToStandardErrorThreshold=Trace",
        ], web), cancellationToken);
        var app = await AppUrlAsync(host, cancellationToken);
        using var proxied = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{host.Proxy}") });
        using var direct = new HttpClient { BaseAddress = app };

        using (var response = await proxied.GetAsync(origin.Http("/hello"), cancellationToken))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), host.Log);
        }

        using (var refused = await direct.GetAsync("/recent", cancellationToken))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "no token, no answer");
        }

        direct.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sample-token");
        using var recent = JsonDocument.Parse(await direct.GetStringAsync("/recent", cancellationToken));
        Assert.That(recent.RootElement.ToString(), Is.EqualTo("""[{"host":"127.0.0.1","responses":1}]"""));
        using var proxy = JsonDocument.Parse(await direct.GetStringAsync("/proxy", cancellationToken));
        Assert.That(proxy.RootElement.GetProperty("endPoint").GetString(), Is.EqualTo(host.Proxy.ToString()));
        Assert.That(proxy.RootElement.GetProperty("addons").EnumerateArray().Select(a => a.GetString()), Does.Contain("recent_hosts"));
    }

    /// <summary>The app's own address, which it logs once it listens.</summary>
    private static async Task<Uri> AppUrlAsync(ProxyProcess host, CancellationToken cancellationToken)
    {
        while (StatusAt().Match(host.Log) is not { Success: true } match)
        {
            await Task.Delay(100, cancellationToken);
        }

        return new Uri(StatusAt().Match(host.Log).Groups[1].Value);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    [GeneratedRegex(@"Status endpoints at (http://[^,;\s]+)")]
    private static partial Regex StatusAt();
}
