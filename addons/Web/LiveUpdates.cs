using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Addons.Abstractions.Commands;
using Microsoft.AspNetCore.Http;

namespace Addons.Web;

/// <summary>
/// The page's WebSocket (<c>/updates</c>): the page says which rows it shows (<c>window</c>) and which flow is open
/// (<c>select</c>); every <see cref="Tick"/> at most, the server sends that window again when the View changed, the open
/// flow when it changed, the filter's busy state when it flips, and once a second the Session's and the stream
/// tester's status. However many flows a second the proxy captures, a page gets at most ten windows a second.
/// </summary>
internal sealed class LiveUpdates : IDisposable
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StatsEvery = TimeSpan.FromSeconds(1);
    private const int MaxClientMessage = 16 * 1024;

    private readonly WebSocket _socket;
    private readonly WebApi _api;
    private readonly IDisposable _watch;
    private readonly Lock _gate = new();
    private (int Offset, int Limit, bool Tail)? _window;
    private bool _windowChanged;
    private Guid? _selected;
    private bool _flowChanged;
    private long _shownVersion = -1;
    private bool? _shownBusy;
    private string? _shownError;
    private long? _progressStartedAt;
    private int _progressSince;

    private LiveUpdates(WebSocket socket, WebApi api)
    {
        _socket = socket;
        _api = api;
        _watch = api.Changes.Watch(FlowChanged);
    }

    public static async Task AcceptAsync(HttpContext context, WebApi api)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, "/updates is a WebSocket; open it with new WebSocket(...).");
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var updates = new LiveUpdates(socket, api);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var sending = updates.SendLoopAsync(stop.Token);
        try
        {
            await updates.ReceiveLoopAsync(stop.Token);
        }
        finally
        {
            await stop.CancelAsync();
            await sending;
        }
    }

    public void Dispose() => _watch.Dispose();

    private void FlowChanged(Guid? id)
    {
        lock (_gate)
        {
            if (_selected is { } selected && (id is null || id == selected))
            {
                _flowChanged = true;
            }
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxClientMessage];
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        await _socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, $"messages to the server are at most {MaxClientMessage} bytes", cancellationToken);
                        return;
                    }

                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
                    return;
                }

                Handle(buffer.AsSpan(0, length));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The page went away: nothing to tell it.
        }
    }

    /// <summary>One message from the page; one that cannot be read is answered with an error message, not a close.</summary>
    private void Handle(ReadOnlySpan<byte> message)
    {
        try
        {
            var reader = new Utf8JsonReader(message);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            lock (_gate)
            {
                switch (type)
                {
                    case "window":
                        // A tail window follows the end of the list: its offset is taken when each page is read.
                        var tail = root.TryGetProperty("tail", out var t2) && t2.ValueKind == JsonValueKind.True;
                        var offset = tail ? 0 : Math.Max(root.GetProperty("offset").GetInt32(), 0);
                        var limit = Math.Clamp(root.GetProperty("limit").GetInt32(), 0, WebApi.MaxPage);
                        _window = (offset, limit, tail);
                        _windowChanged = true;
                        break;
                    case "select":
                        var id = root.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
                        _selected = Guid.TryParse(id, out var guid) ? guid : null;
                        _flowChanged = _selected is not null;
                        break;
                    default:
                        _shownError = $"The server takes messages of type window and select, not {type ?? "one without a type"}.";
                        break;
                }
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            lock (_gate)
            {
                _shownError = $"A message to /updates could not be read ({e.Message}); send {{\"type\": \"window\", \"offset\": 0, \"limit\": 50}} or {{\"type\": \"select\", \"id\": \"...\"}}.";
            }
        }
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Tick);
        var nextStats = TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            do
            {
                await SendChangesAsync(cancellationToken);
                if (clock.Elapsed >= nextStats)
                {
                    nextStats = clock.Elapsed + StatsEvery;
                    await SendStatsAsync(cancellationToken);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
    }

    private async Task SendChangesAsync(CancellationToken cancellationToken)
    {
        (int Offset, int Limit, bool Tail)? window;
        Guid? selected;
        bool sendFlow;
        string? error;
        var version = _api.Changes.Version;
        lock (_gate)
        {
            window = _windowChanged || version != _shownVersion ? _window : null;
            _windowChanged = false;
            selected = _selected;
            sendFlow = _flowChanged;
            _flowChanged = false;
            error = _shownError;
            _shownError = null;
        }

        if (error is not null)
        {
            await SendAsync(WebJson.Object(json =>
            {
                json.WriteString("type", "error");
                json.WriteString("message", error);
            }), cancellationToken);
        }

        var busy = _api.FilterBusy;
        if (busy != _shownBusy)
        {
            _shownBusy = busy;
            await SendAsync(WebJson.Object(json =>
            {
                json.WriteString("type", "filter");
                json.WriteBoolean("busy", busy);
            }), cancellationToken);
        }

        if (window is { } w && _api.HasView)
        {
            // Read before the page: a change that lands while it is read is sent again on the next tick.
            _shownVersion = version;
            var page = await CallAsync<Abstractions.View.ViewPage>(async () =>
            {
                var offset = w.Offset;
                if (w.Tail)
                {
                    var counts = await _api.PageAsync(0, 0, cancellationToken);
                    offset = Math.Max(0, counts.Total - w.Limit);
                }

                return await _api.PageAsync(offset, w.Limit, cancellationToken);
            });
            if (page is not null)
            {
                await SendAsync(WebJson.Object(json =>
                {
                    json.WriteString("type", "page");
                    PageJson.WriteMembers(json, page);
                }), cancellationToken);
            }
        }

        if (sendFlow && selected is { } id && _api.HasView)
        {
            var flow = await CallAsync(() => _api.FlowAsync(id, cancellationToken));
            var body = flow is null ? null : FlowJson.Serialize(flow, _api.Edits.IsModified(id));
            await SendAsync(WebJson.Object(json =>
            {
                json.WriteString("type", "flow");
                json.WriteString("id", id.ToString());
                json.WritePropertyName("flow");
                if (body is null)
                {
                    json.WriteNullValue();
                }
                else
                {
                    json.WriteRawValue(body, skipInputValidation: true);
                }
            }), cancellationToken);
        }
    }

    private async Task SendStatsAsync(CancellationToken cancellationToken)
    {
        var session = await StatusAsync("session.stats", cancellationToken);
        var streamTester = await StatusAsync("streamtester.status", cancellationToken);
        var progress = await ProgressAsync(cancellationToken);
        await SendAsync(WebJson.Object(json =>
        {
            json.WriteString("type", "stats");
            json.WriteString("session", session);
            json.WriteString("streamtester", streamTester);
            if (progress is not null)
            {
                json.WritePropertyName("streamtesterProgress");
                json.WriteRawValue(progress, skipInputValidation: true);
            }
        }), cancellationToken);
    }

    /// <summary>
    /// The stream tester's progress with the seconds this page has not had yet (all of them when a new stream
    /// started), or null without a stream tester.
    /// </summary>
    private async Task<byte[]?> ProgressAsync(CancellationToken cancellationToken)
    {
        const string command = "streamtester.progress";
        if (_api.Commands.Find(command) is null)
        {
            return null;
        }

        try
        {
            var bytes = Serialize(await _api.Commands.ExecuteAsync(command, [_progressSince.ToString(CultureInfo.InvariantCulture)], cancellationToken));
            var (startedAt, last) = Read(bytes);
            if (startedAt != _progressStartedAt && _progressSince > 0)
            {
                // A new stream: its seconds start again at 1.
                _progressSince = 0;
                bytes = Serialize(await _api.Commands.ExecuteAsync(command, ["0"], cancellationToken));
                (startedAt, last) = Read(bytes);
            }

            _progressStartedAt = startedAt;
            _progressSince = Math.Max(_progressSince, last);
            return bytes;
        }
        catch (Exception e) when (e is CommandException or JsonException)
        {
            return WebJson.Object(json => json.WriteString("error", e.Message));
        }

        static byte[] Serialize(object? result)
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                ResultJson.Write(json, result);
            }

            return buffer.ToArray();
        }

        static (long? StartedAt, int Last) Read(byte[] bytes)
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new JsonException($"{command} answered {root.ValueKind}, not an object.");
            }

            long? startedAt = root.TryGetProperty("startedAt", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : null;
            var last = root.TryGetProperty("seconds", out var seconds) && seconds.ValueKind == JsonValueKind.Array && seconds.GetArrayLength() > 0
                && seconds[seconds.GetArrayLength() - 1].TryGetProperty("second", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt32() : 0;
            return (startedAt, last);
        }
    }

    private async Task<string?> StatusAsync(string command, CancellationToken cancellationToken)
    {
        if (_api.Commands.Find(command) is null)
        {
            return null;
        }

        try
        {
            return (await _api.Commands.ExecuteAsync(command, [], cancellationToken))?.ToString();
        }
        catch (CommandException e)
        {
            return e.Message;
        }
    }

    /// <summary>A command's answer, or null after telling the page why it failed.</summary>
    private async Task<T?> CallAsync<T>(Func<ValueTask<T?>> call)
        where T : class
    {
        try
        {
            return await call();
        }
        catch (CommandException e)
        {
            lock (_gate)
            {
                _shownError = e.Message;
            }

            return null;
        }
    }

    private ValueTask SendAsync(byte[] message, CancellationToken cancellationToken) =>
        _socket.State == WebSocketState.Open
            ? _socket.SendAsync(message.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken)
            : ValueTask.CompletedTask;
}
