using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using HttpFlow = Addons.Abstractions.Flows.HttpFlow;
using HttpRequest = Addons.Abstractions.Flows.HttpRequest;
using HttpResponse = Addons.Abstractions.Flows.HttpResponse;

namespace Addons.Web.Tests;

/// <summary>What the API, live-update and auth tests share: JSON answers, flows with any body, and a WebSocket reader.</summary>
internal static class WebTestKit
{
    /// <summary>How long a test waits for something the server does on its timer.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    /// <summary>The answer's body as JSON (cloned, so the document can go).</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new AssertionException($"The answer ({(int)response.StatusCode}) is not JSON: {e.Message}: {text}");
        }
    }

    /// <summary>The one-sentence error of a JSON error answer, after checking it has exactly that shape.</summary>
    public static async Task<string> ErrorAsync(HttpResponseMessage response)
    {
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), "an error answer is JSON");
        var json = await JsonAsync(response);
        Assert.That(json.ValueKind, Is.EqualTo(JsonValueKind.Object));
        Assert.That(json.TryGetProperty("error", out var error), Is.True, "an error answer has an error member: " + json);
        Assert.That(error.ValueKind, Is.EqualTo(JsonValueKind.String));
        var sentence = error.GetString()!;
        Assert.That(sentence, Is.Not.Empty);
        return sentence;
    }

    /// <summary>A JSON body, as the page sends it (with the CSRF header).</summary>
    public static HttpRequestMessage Json(HttpMethod method, string url, string json)
    {
        var request = new HttpRequestMessage(method, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebGuard.CsrfHeader, WebGuard.CsrfValue);
        return request;
    }

    public static async Task<JsonElement> PageAsync(WebServer server, int offset = 0, int limit = 100)
    {
        using var response = await server.Client.GetAsync($"/api/flows?offset={offset}&limit={limit}");
        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
        return await JsonAsync(response);
    }

    public static async Task SetOptionsAsync(WebServer server, string json)
    {
        using var request = Json(HttpMethod.Put, "/api/options", json);
        using var response = await server.Client.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
    }

    public static async Task<HttpResponseMessage> CommandAsync(WebServer server, string name, string body)
    {
        using var request = Json(HttpMethod.Post, "/api/commands/" + name, body);
        return await server.Client.SendAsync(request);
    }

    /// <summary>A complete HTTP flow whose response has these bytes and headers, through every hook.</summary>
    public static async Task<HttpFlow> CaptureBodyAsync(WebServer server, byte[] body, params (string Name, string Value)[] headers)
    {
        var now = DateTimeOffset.UtcNow;
        var flow = new HttpFlow
        {
            Id = Guid.NewGuid(),
            TimestampCreated = now,
            Request = new HttpRequest
            {
                Method = "GET", Scheme = "http", Host = "example.com", Port = 80, Path = "/body",
                Headers = new Abstractions.Flows.HttpHeaders(("Host", "example.com")), TimestampStart = now, TimestampEnd = now,
            },
            Response = HttpResponse.Create(200, body, headers),
        };
        await server.Host.CycleAsync(flow);
        return flow;
    }

    /// <summary>A WebSocket to /updates with the bearer token, reading every message into a queue.</summary>
    public static async Task<UpdatesSocket> ConnectAsync(WebServer server)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + server.Token);
        using var timeout = new CancellationTokenSource(Deadline);
        await socket.ConnectAsync(UpdatesUri(server), timeout.Token);
        return new UpdatesSocket(socket);
    }

    public static Uri UpdatesUri(WebServer server) => new UriBuilder(server.Address) { Scheme = "ws", Path = "/updates" }.Uri;
}

/// <summary>A client of /updates: every message the server sends, with when it arrived, read by a loop of its own.</summary>
internal sealed class UpdatesSocket : IAsyncDisposable
{
    private readonly Channel<(TimeSpan At, JsonElement Message)> _messages = Channel.CreateUnbounded<(TimeSpan, JsonElement)>();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    public UpdatesSocket(ClientWebSocket socket)
    {
        Socket = socket;
        _reading = ReadAsync();
    }

    public ClientWebSocket Socket { get; }

    /// <summary>Time since the socket connected.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Why the socket stopped reading, if it did (the server closed it, or a message was not JSON).</summary>
    public Exception? Failure { get; private set; }

    public async Task SendAsync(string json)
    {
        using var timeout = new CancellationTokenSource(WebTestKit.Deadline);
        await Socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next message that <paramref name="match"/> takes (the others are passed over), within the deadline.</summary>
    public async Task<JsonElement> NextAsync(Func<JsonElement, bool> match, string what)
    {
        var (_, message) = await NextTimedAsync(match, what);
        return message;
    }

    /// <summary>The next message of this type, within the deadline.</summary>
    public Task<JsonElement> NextAsync(string type) => NextAsync(m => TypeOf(m) == type, $"a {type} message");

    public async Task<(TimeSpan At, JsonElement Message)> NextTimedAsync(Func<JsonElement, bool> match, string what)
    {
        using var timeout = new CancellationTokenSource(WebTestKit.Deadline);
        try
        {
            while (true)
            {
                var item = await _messages.Reader.ReadAsync(timeout.Token);
                if (match(item.Message))
                {
                    return item;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new AssertionException($"No {what} within {WebTestKit.Deadline.TotalSeconds} s (socket {Socket.State}{(Failure is null ? "" : ", " + Failure.Message)}).");
        }
        catch (ChannelClosedException)
        {
            throw new AssertionException($"The socket stopped before {what} came (socket {Socket.State}{(Failure is null ? "" : ", " + Failure.Message)}).");
        }
    }

    public static string? TypeOf(JsonElement message) =>
        message.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reading;
        }
        catch (OperationCanceledException)
        {
        }

        Socket.Dispose();
        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await Socket.ReceiveAsync(buffer.AsMemory(), _stop.Token);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Failure = new InvalidOperationException($"the server closed the socket ({Socket.CloseStatus} {Socket.CloseStatusDescription})");
                    return;
                }

                using var document = JsonDocument.Parse(message.ToArray());
                await _messages.Writer.WriteAsync((_clock.Elapsed, document.RootElement.Clone()), _stop.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or JsonException or OperationCanceledException)
        {
            Failure ??= e;
        }
        finally
        {
            _messages.Writer.TryComplete();
        }
    }
}
