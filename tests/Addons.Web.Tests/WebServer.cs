using System.Net.Http.Headers;
using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Testing;
using Addons.View;

namespace Addons.Web.Tests;

/// <summary>
/// The Web plugin and the View in the test kit's host, the web server listening on a free loopback port: its
/// address and token, a client that sends the token, and a way to capture flows as the proxy would.
/// </summary>
internal sealed class WebServer : IAsyncDisposable
{
    private WebServer(AddonTestHost host, WebAddon web)
    {
        Host = host;
        Web = web;
        Client = new HttpClient { BaseAddress = web.Address, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", web.Token);
        Anonymous = new HttpClient { BaseAddress = web.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public AddonTestHost Host { get; }

    public WebAddon Web { get; }

    public Uri Address => Web.Address!;

    public string Token => Web.Token!;

    /// <summary>Sends the token as a bearer header.</summary>
    public HttpClient Client { get; }

    /// <summary>Sends no token.</summary>
    public HttpClient Anonymous { get; }

    /// <summary>Starts the View, any <paramref name="others"/> after it, and the Web plugin last.</summary>
    public static async Task<WebServer> StartAsync(IReadOnlyDictionary<string, string>? options = null, IEnumerable<Addon>? others = null)
    {
        var web = new WebAddon();
        var values = new Dictionary<string, string> { ["web_port"] = "0" };
        foreach (var (name, value) in options ?? new Dictionary<string, string>())
        {
            values[name] = value;
        }

        var host = await AddonTestHost.StartAsync([new ViewAddon(), .. others ?? [], web], values);
        if (web.Address is null)
        {
            await host.DisposeAsync();
            throw new InvalidOperationException("The web server did not start: " + string.Join(" | ", host.Logs.Select(l => l.Message)));
        }

        return new WebServer(host, web);
    }

    /// <summary>A complete HTTP flow through every hook, as the proxy captures one.</summary>
    public async Task<HttpFlow> CaptureAsync(string url, int status = 200, string body = "ok", string? contentType = "text/plain")
    {
        var uri = new Uri(url);
        var now = DateTimeOffset.UtcNow;
        var flow = new HttpFlow
        {
            Id = Guid.NewGuid(),
            TimestampCreated = now,
            Request = new HttpRequest
            {
                Method = "GET", Scheme = uri.Scheme, Host = uri.Host, Port = uri.Port, Path = uri.PathAndQuery,
                Headers = new Abstractions.Flows.HttpHeaders(("Host", uri.Authority)), TimestampStart = now, TimestampEnd = now,
            },
        };
        var response = HttpResponse.Create(status, body);
        if (contentType is not null)
        {
            response.Headers.Set("Content-Type", contentType);
        }

        response.TimestampStart = now.AddMilliseconds(5);
        response.TimestampEnd = now.AddMilliseconds(12);
        flow.Response = response;
        await Host.CycleAsync(flow);
        return flow;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await Host.DisposeAsync();
    }
}
