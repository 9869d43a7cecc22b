using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Addons.Web.Bench;

/// <summary>The Web plugin's HTTP API with the bearer token.</summary>
internal sealed class Api(string url, string token) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false })
    {
        BaseAddress = new Uri(url),
        Timeout = TimeSpan.FromMinutes(2),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    /// <summary>The View's counts: rows shown (total) and flows held (storeCount); null while the server does not answer.</summary>
    public async Task<(long Total, long Store)?> CountsAsync()
    {
        try
        {
            using var doc = JsonDocument.Parse(await _client.GetStringAsync("/api/flows?offset=0&limit=0"));
            return (doc.RootElement.GetProperty("total").GetInt64(), doc.RootElement.GetProperty("storeCount").GetInt64());
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>ms for one GET of <paramref name="path"/>, the body read to its end.</summary>
    public async Task<double> TimeGetAsync(string path)
    {
        var clock = Stopwatch.StartNew();
        using var response = await _client.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        response.EnsureSuccessStatusCode();
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>Runs a command as the page does (the CSRF header included) and answers its result.</summary>
    public async Task<JsonNode?> CommandAsync(string name, params string[] arguments)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/commands/{name}")
        {
            Content = JsonContent.Create(new { arguments }),
        };
        request.Headers.Add("X-Requested-With", "addons-web");
        using var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{name}: {(int)response.StatusCode} {body}");
        }

        return JsonNode.Parse(body)?["result"];
    }

    /// <summary>Sets the View's filter through the options (as the page does) and answers the View's counts once it has applied.</summary>
    public async Task<(long Total, long Store)> SetFilterAsync(string filter)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/options") { Content = JsonContent.Create(new { view_filter = filter }) };
        request.Headers.Add("X-Requested-With", "addons-web");
        using var response = await _client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        while (true)
        {
            using var doc = JsonDocument.Parse(await _client.GetStringAsync("/api/flows?offset=0&limit=0"));
            if (doc.RootElement.GetProperty("filter").GetString() == filter)
            {
                return (doc.RootElement.GetProperty("total").GetInt64(), doc.RootElement.GetProperty("storeCount").GetInt64());
            }

            await Task.Delay(100);
        }
    }

    public void Dispose() => _client.Dispose();
}
