using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http2.Hpack;
using Addons.Host.Proxy.Upstream;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// An HTTP/2 connection to a server (RFC 9113), shared by every flow going there: streams are opened in order, at most
/// as many at once as the server allows (10 until its SETTINGS say otherwise, as mitmproxy assumes), and the response
/// of each arrives on its <see cref="Http2Stream"/>. Server push is refused (SETTINGS_ENABLE_PUSH 0). When the server
/// goes away or breaks the protocol, the streams still open fail and the connection is not used again.
/// </summary>
internal sealed class Http2ClientConnection : IAsyncDisposable
{
    private const int ProvisionalMaxStreams = 10;

    private readonly Http2Limits _limits;
    private readonly Http2Settings _peer = new(sentByServer: true);
    private readonly Http2SendWindows _windows = new();
    private readonly Http2ReceiveWindows _received;
    private readonly Http2HeaderBlock _block;
    private readonly HpackDecoder _decoder = new();
    private readonly Http2FrameOutput _output;
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly Http2StreamTable _streams = new();
    private Task _reading = Task.CompletedTask;
    private int _nextStreamId = 1;
    private volatile int _maxStreams = ProvisionalMaxStreams;
    private bool _settingsReceived;
    private volatile bool _closed;
    private volatile string? _goneReason;

    public Http2ClientConnection(UpstreamConnection connection, Http2Limits limits)
    {
        Connection = connection;
        _limits = limits;
        _received = new Http2ReceiveWindows(limits);
        _block = new Http2HeaderBlock(limits);
        _output = new Http2FrameOutput(connection.Stream);
    }

    public UpstreamConnection Connection { get; }

    /// <summary>Whether new streams may still be opened on it.</summary>
    public bool IsUsable => !_closed && _goneReason is null && _nextStreamId < int.MaxValue - 2;

    /// <summary>Ends when the connection does; the pool forgets it then.</summary>
    public Task Completion => _reading;

    /// <summary>Sends the preface and our settings and starts reading the server's frames.</summary>
    public async Task StartAsync()
    {
        await _output.WriteAsync(_limits, static (w, l) =>
        {
            Http2FrameWriter.WriteClientPreface(w);
            Http2FrameWriter.WriteSettings(w,
            [
                new Http2Setting(Http2SettingId.EnablePush, 0),
                new Http2Setting(Http2SettingId.MaxConcurrentStreams, (uint)l.MaxConcurrentStreams),
                new Http2Setting(Http2SettingId.InitialWindowSize, (uint)l.InitialStreamWindow),
                new Http2Setting(Http2SettingId.MaxHeaderListSize, (uint)l.MaxHeaderListSize),
            ]);
            Http2FrameWriter.WriteWindowUpdate(w, 0, l.ConnectionWindow - Http2Settings.DefaultInitialWindowSize);
        }).ConfigureAwait(false);
        _reading = Task.Run(ReadLoopAsync);
    }

    /// <summary>
    /// Opens a stream with a request's header list, waiting for a free slot when the server's limit is reached; the
    /// response's heads arrive on <see cref="Http2Stream.ResponseHeads"/>, its body on <see cref="Http2Stream.Body"/>.
    /// </summary>
    public async Task<Http2Stream> OpenStreamAsync(IReadOnlyList<HeaderField> fields, bool endStream, CancellationToken cancel)
    {
        while (true)
        {
            ThrowIfGone();
            var changed = _streams.Changed();

            // Stream ids must reach the server in increasing order: allocate and send under one lock.
            await _opening.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                ThrowIfGone();
                var stream = new Http2Stream(_nextStreamId, _peer.InitialWindowSize, _limits.InitialStreamWindow)
                {
                    Body = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false)),
                    ResponseHeads = Channel.CreateUnbounded<List<HeaderField>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }),
                    LocalClosed = endStream,
                };
                if (_streams.TryAdd(stream, _maxStreams, out _))
                {
                    _nextStreamId += 2;
                    await _output.WriteHeadersAsync(stream.Id, fields, endStream, CancellationToken.None).ConfigureAwait(false);
                    return stream;
                }
            }
            finally
            {
                _opening.Release();
            }

            // As many streams are open as the server allows: wait for one to end.
            await changed.WaitAsync(cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Sends request body on a stream as both windows allow.</summary>
    public async ValueTask SendDataAsync(Http2Stream stream, ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancel)
    {
        await _windows.SendAsync(_output, stream, data, endStream, null, cancel).ConfigureAwait(false);
        if (endStream)
        {
            stream.LocalClosed = true;
        }
    }

    /// <summary>Ends our side of a stream: trailers if there are any, else an empty DATA frame with END_STREAM.</summary>
    public async ValueTask EndStreamAsync(Http2Stream stream, IReadOnlyList<HeaderField>? trailers, CancellationToken cancel)
    {
        if (trailers is { Count: > 0 })
        {
            await _output.WriteHeadersAsync(stream.Id, trailers, endStream: true, cancel).ConfigureAwait(false);
        }
        else
        {
            await _output.WriteDataAsync(stream.Id, ReadOnlyMemory<byte>.Empty, endStream: true, cancel).ConfigureAwait(false);
        }

        stream.LocalClosed = true;
    }

    /// <summary>Response body bytes the exchange consumed: credit goes back to the server.</summary>
    public ValueTask ConsumedAsync(Http2Stream? stream, int count) => _received.ConsumeAsync(stream, count, _output);

    /// <summary>
    /// The exchange is done with a stream: one the server has not finished is reset (CANCEL), and the slot is free.
    /// </summary>
    public async ValueTask CloseStreamAsync(Http2Stream stream)
    {
        var cancel = _streams.Remove(stream) && (!stream.RemoteClosed || !stream.LocalClosed);

        if (_received.Unread(stream) is > 0 and var unread)
        {
            await ConsumedAsync(null, unread).ConfigureAwait(false);
        }

        if (cancel && !_closed)
        {
            try
            {
                await _output.WriteRstStreamAsync(stream.Id, Http2ErrorCode.Cancel).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // Gone already.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closed = true;
        FailAll("the proxy closed the connection");
        await _output.DisposeAsync().ConfigureAwait(false);
        await Connection.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _reading.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The read loop ends with the connection.
        }
    }

    private void ThrowIfGone()
    {
        if (_closed || _goneReason is not null)
        {
            throw new IOException($"The HTTP/2 connection to {Connection.Key} is closed: {_goneReason ?? "closed"}.");
        }
    }

    private async Task ReadLoopAsync()
    {
        var reader = Connection.Reader;
        string reason = "the server closed the connection";
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (Http2FrameReader.TryReadFrame(ref buffer, Http2Settings.DefaultMaxFrameSize, out var header, out var payload))
                    {
                        if (!_settingsReceived && header.Type != Http2FrameType.Settings)
                        {
                            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "The server's first frame was not SETTINGS (RFC 9113 section 3.4).");
                        }

                        try
                        {
                            await OnFrameAsync(header, payload).ConfigureAwait(false);
                        }
                        catch (Http2StreamException ex)
                        {
                            Fail(ex.StreamId, ex.Message);
                            await _output.WriteRstStreamAsync(ex.StreamId, ex.ErrorCode).ConfigureAwait(false);
                        }
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Http2ConnectionException ex)
        {
            reason = $"it broke HTTP/2: {ex.Message}";
            await _output.TryWriteGoAwayAsync(0, ex.ErrorCode, ex.Message).ConfigureAwait(false);
        }
        catch (HpackDecodingException ex)
        {
            reason = $"it broke HPACK: {ex.Message}";
            await _output.TryWriteGoAwayAsync(0, Http2ErrorCode.CompressionError, ex.Message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException)
        {
            reason = $"the connection failed: {ex.Message}";
        }
        catch (Exception ex)
        {
            // Anything else still ends the connection cleanly: its streams fail with the reason instead of waiting.
            reason = $"reading from it failed: {ex.GetType().Name}: {ex.Message}";
            await _output.TryWriteGoAwayAsync(0, Http2ErrorCode.InternalError, ex.Message).ConfigureAwait(false);
        }

        _goneReason ??= reason;
        FailAll(reason);
    }

    private ValueTask OnFrameAsync(in Http2FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        _block.CheckInterleaving(header);
        switch (header.Type)
        {
            case Http2FrameType.Data:
                OnData(header, payload);
                return ValueTask.CompletedTask;
            case Http2FrameType.Headers:
                var fragment = Http2FrameReader.ReadHeaders(header, payload, out _);
                return _block.Start(header, fragment) ? OnHeaderBlockAsync() : ValueTask.CompletedTask;
            case Http2FrameType.Continuation:
                return _block.Continue(header, Http2FrameReader.ReadContinuation(header, payload)) ? OnHeaderBlockAsync() : ValueTask.CompletedTask;
            case Http2FrameType.Priority:
                Http2FrameReader.ReadPriority(header, payload);
                return ValueTask.CompletedTask;
            case Http2FrameType.RstStream:
                var code = Http2FrameReader.ReadRstStream(header, payload);
                Fail(header.StreamId, $"the server reset the stream ({Http2ErrorText.Name(code)})", code);
                return ValueTask.CompletedTask;
            case Http2FrameType.Settings:
                return OnSettingsAsync(header, payload);
            case Http2FrameType.PushPromise:
                Http2FrameReader.RejectPushPromise(header, fromClient: false);
                return ValueTask.CompletedTask;
            case Http2FrameType.Ping:
                var data = Http2FrameReader.ReadPing(header, payload);
                return header.IsAck ? ValueTask.CompletedTask : _output.WritePingAckAsync(data);
            case Http2FrameType.GoAway:
                OnGoAway(Http2FrameReader.ReadGoAway(header, payload));
                return ValueTask.CompletedTask;
            case Http2FrameType.WindowUpdate:
                var increment = Http2FrameReader.ReadWindowUpdate(header, payload);
                if (header.StreamId == 0)
                {
                    _windows.AddToConnection(increment);
                }
                else if (Find(header.StreamId) is { } stream)
                {
                    _windows.AddToStream(stream, increment);
                }

                return ValueTask.CompletedTask;
            default:
                return ValueTask.CompletedTask;
        }
    }

    private ValueTask OnHeaderBlockAsync()
    {
        var id = _block.StreamId;
        var endStream = _block.EndStream;
        _block.Done();
        var fields = new List<HeaderField>();
        var withinLimit = _decoder.Decode(_block.Bytes, fields, _limits.MaxHeaderListSize);
        if (Find(id) is not { } stream)
        {
            // A stream we cancelled: the block was decoded to keep HPACK in step, and is dropped.
            return ValueTask.CompletedTask;
        }

        if (!withinLimit)
        {
            throw new Http2StreamException(id, Http2ErrorCode.ProtocolError, $"The server's header list on stream {id} is larger than {_limits.MaxHeaderListSize} bytes.");
        }

        if (stream.FinalHeadReceived)
        {
            if (!endStream)
            {
                throw new Http2StreamException(id, Http2ErrorCode.ProtocolError, $"The server's trailers on stream {id} did not end it (RFC 9113 section 8.1).");
            }

            stream.Trailers = fields;
        }
        else
        {
            var status = fields.Count > 0 && fields[0].Name == ":status" ? fields[0].Value : null;
            if (status is null || status.Length != 3 || status[0] is < '1' or > '5')
            {
                throw new Http2StreamException(id, Http2ErrorCode.ProtocolError, $"The server's response on stream {id} has no valid :status first (RFC 9113 section 8.3.2).");
            }

            if (status[0] != '1')
            {
                stream.FinalHeadReceived = true;
            }
            else if (endStream)
            {
                throw new Http2StreamException(id, Http2ErrorCode.ProtocolError, $"The server ended stream {id} with an interim response (RFC 9113 section 8.1).");
            }

            stream.ResponseHeads!.Writer.TryWrite(fields);
        }

        if (endStream)
        {
            stream.EndRemote();
        }

        return ValueTask.CompletedTask;
    }

    private void OnData(in Http2FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        var data = Http2FrameReader.ReadData(header, payload);
        var stream = Find(header.StreamId);
        _received.Receive(stream, header.Length);
        if (stream is null || stream.RemoteClosed)
        {
            _ = ConsumedAsync(null, header.Length).AsTask();
            return;
        }

        if (!stream.FinalHeadReceived)
        {
            throw new Http2StreamException(stream.Id, Http2ErrorCode.ProtocolError, $"The server sent DATA on stream {stream.Id} before its response head (RFC 9113 section 8.1).");
        }

        stream.Receive(data, header.IsEndStream);

        if (header.Length - (int)data.Length is > 0 and var padding)
        {
            _ = ConsumedAsync(stream, padding).AsTask();
        }
    }

    private async ValueTask OnSettingsAsync(Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        var settings = Http2FrameReader.ReadSettings(header, payload);
        if (header.IsAck)
        {
            return;
        }

        var delta = _peer.Apply(settings);
        _settingsReceived = true;
        _maxStreams = Math.Min(_peer.MaxConcurrentStreams, _limits.MaxConcurrentStreams);
        _streams.Pulse();
        if (delta != 0)
        {
            _windows.Adjust(_streams.Snapshot(), delta);
        }

        await _output.AcknowledgeSettingsAsync(_peer).ConfigureAwait(false);
    }

    /// <summary>The server stops taking streams: those it will not process fail (a fresh connection may retry them).</summary>
    private void OnGoAway(Http2GoAway goAway)
    {
        _goneReason = $"the server sent GOAWAY ({Http2ErrorText.Name(goAway.ErrorCode)})";
        foreach (var stream in _streams.Snapshot().Where(s => s.Id > goAway.LastStreamId))
        {
            stream.Reset(Http2ErrorCode.RefusedStream, $"the server went away before processing the request ({Http2ErrorText.Name(goAway.ErrorCode)})");
        }
    }

    private Http2Stream? Find(int id) => _streams.Find(id);

    private void Fail(int id, string reason, Http2ErrorCode? code = null) => Find(id)?.Reset(code ?? Http2ErrorCode.InternalError, reason);

    private void FailAll(string reason)
    {
        _streams.Pulse();
        foreach (var stream in _streams.Snapshot())
        {
            stream.Reset(null, reason);
        }
    }
}
