using System.Buffers;
using System.IO.Pipelines;
using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http2.Hpack;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The client-facing HTTP/2 layer of one channel (RFC 9113): reads frames, keeps the connection's state (settings,
/// flow control, header blocks, streams) and runs one <see cref="Http2StreamExchange"/> per request stream, as many at
/// once as <see cref="Http2Limits.MaxConcurrentStreams"/> allows. A peer that breaks the protocol gets the RFC's error
/// (RST_STREAM for one stream, GOAWAY for the connection) and a log line; other connections are not affected.
/// </summary>
internal sealed partial class Http2ServerConnection(ConnectionHandler handler, Http2Limits limits) : IProtocolLayer
{
    private readonly Http2Settings _peer = new();
    private readonly Http2SendWindows _windows = new();
    private readonly Http2ReceiveWindows _received = new(limits);
    private readonly Http2HeaderBlock _block = new(limits);
    private readonly HpackDecoder _decoder = new();
    private readonly Http2StreamTable _streams = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _readStop = new();
    private Http2FrameOutput _output = null!;
    private ClientChannel _channel = null!;
    private RequestOrigin _origin = null!;
    private CancellationToken _stop;
    private int _lastStreamId;
    private bool _draining;
    private bool _goAwaySent;
    private long _resetSecond;
    private int _resetsThisSecond;

    public ConnectionHandler Handler => handler;

    public Http2FrameOutput Output => _output;

    public Http2SendWindows Windows => _windows;

    public ClientChannel Channel => _channel;

    public RequestOrigin Origin => _origin;

    public async Task ServeAsync(ClientChannel channel, RequestOrigin origin, CancellationToken stop)
    {
        _channel = channel;
        _origin = origin;
        _stop = stop;
        await using var output = new Http2FrameOutput(channel.Stream);
        _output = output;
        using var read = CancellationTokenSource.CreateLinkedTokenSource(stop, _readStop.Token);
        try
        {
            await SendPrefaceAsync().ConfigureAwait(false);
            if (!await ReadPrefaceAsync(channel.Reader, read).ConfigureAwait(false))
            {
                return;
            }

            await ReadFramesAsync(channel.Reader, read).ConfigureAwait(false);
            await GoAwayAsync(Http2ErrorCode.NoError, "").ConfigureAwait(false);
        }
        catch (Http2ConnectionException ex)
        {
            LogConnectionError(handler.Logger, PeerName, Http2ErrorText.Name(ex.ErrorCode), ex.Message);
            await GoAwayAsync(ex.ErrorCode, ex.Message).ConfigureAwait(false);
        }
        catch (HpackDecodingException ex)
        {
            LogConnectionError(handler.Logger, PeerName, "COMPRESSION_ERROR", ex.Message);
            await GoAwayAsync(Http2ErrorCode.CompressionError, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            // Idle past the client timeout, or drained: closed with GOAWAY NO_ERROR.
            await GoAwayAsync(Http2ErrorCode.NoError, "").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The client went away; its streams end below.
        }
        finally
        {
            await EndStreamsAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The host is stopping: GOAWAY tells the client no new stream will be served; streams in flight finish, then the
    /// connection closes.
    /// </summary>
    public void Drain()
    {
        lock (_gate)
        {
            _draining = true;
        }

        var idle = _streams.Count == 0;

        if (_output is not null)
        {
            _ = GoAwayAsync(Http2ErrorCode.NoError, "").AsTask();
        }

        if (idle)
        {
            CancelReading();
        }
    }

    /// <summary>
    /// Gives back flow-control credit for request body bytes a stream's exchange consumed (or, with no stream, bytes
    /// that were dropped on arrival).
    /// </summary>
    public ValueTask ConsumedAsync(Http2Stream? stream, int count) => _received.ConsumeAsync(stream, count, _output);

    /// <summary>
    /// A stream's exchange is over: it no longer counts against the concurrency limit, and request body it left unread
    /// goes back to the connection's window.
    /// </summary>
    public void StreamEnded(Http2Stream stream)
    {
        _streams.Remove(stream);
        if (_received.Unread(stream) is > 0 and var unread)
        {
            _ = ConsumedAsync(null, unread).AsTask();
        }

        bool draining;
        lock (_gate)
        {
            draining = _draining;
        }

        if (draining && _streams.Count == 0)
        {
            CancelReading();
        }
    }

    private string PeerName => handler.Client.PeerName?.ToString() ?? "?";

    private async ValueTask SendPrefaceAsync()
    {
        await _output.WriteAsync(limits, static (w, l) =>
        {
            Http2FrameWriter.WriteSettings(w,
            [
                new Http2Setting(Http2SettingId.EnablePush, 0),
                new Http2Setting(Http2SettingId.MaxConcurrentStreams, (uint)l.MaxConcurrentStreams),
                new Http2Setting(Http2SettingId.InitialWindowSize, (uint)l.InitialStreamWindow),
                new Http2Setting(Http2SettingId.MaxHeaderListSize, (uint)l.MaxHeaderListSize),
            ]);
            if (l.ConnectionWindow > Http2Settings.DefaultInitialWindowSize)
            {
                Http2FrameWriter.WriteWindowUpdate(w, 0, l.ConnectionWindow - Http2Settings.DefaultInitialWindowSize);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Reads the client's preface (RFC 9113 section 3.4); false, after a GOAWAY, when it is something else.</summary>
    private async Task<bool> ReadPrefaceAsync(PipeReader reader, CancellationTokenSource read)
    {
        read.CancelAfter(handler.Settings.ClientTimeout);
        while (true)
        {
            var result = await reader.ReadAsync(read.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = Http2FrameReader.TryReadPreface(ref buffer);
            if (status == Http2PrefaceStatus.Valid)
            {
                reader.AdvanceTo(buffer.Start);
                return true;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (status == Http2PrefaceStatus.Invalid || result.IsCompleted)
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "The client did not start with the HTTP/2 connection preface (RFC 9113 section 3.4).");
            }
        }
    }

    private async Task ReadFramesAsync(PipeReader reader, CancellationTokenSource read)
    {
        var first = true;
        while (true)
        {
            // An idle connection closes after the client timeout; one with streams open waits for them.
            read.CancelAfter(_streams.Count == 0 ? handler.Settings.ClientTimeout : Timeout.InfiniteTimeSpan);

            var result = await reader.ReadAsync(read.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (Http2FrameReader.TryReadFrame(ref buffer, Http2Settings.DefaultMaxFrameSize, out var header, out var payload))
                {
                    if (first && header.Type != Http2FrameType.Settings)
                    {
                        throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "The client's first frame was not SETTINGS (RFC 9113 section 3.4).");
                    }

                    first = false;
                    try
                    {
                        await OnFrameAsync(header, payload).ConfigureAwait(false);
                    }
                    catch (Http2StreamException ex)
                    {
                        await ResetStreamAsync(ex.StreamId, ex.ErrorCode, ex.Message).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
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
                return OnHeadersAsync(header, payload);
            case Http2FrameType.Continuation:
                return OnContinuationAsync(header, payload);
            case Http2FrameType.Priority:
                // Read for its checks, then ignored, as RFC 9113 section 5.3.2 allows.
                Http2FrameReader.ReadPriority(header, payload);
                return ValueTask.CompletedTask;
            case Http2FrameType.RstStream:
                OnRstStream(header, payload);
                return ValueTask.CompletedTask;
            case Http2FrameType.Settings:
                return OnSettingsAsync(header, payload);
            case Http2FrameType.PushPromise:
                Http2FrameReader.RejectPushPromise(header, fromClient: true);
                return ValueTask.CompletedTask;
            case Http2FrameType.Ping:
                var data = Http2FrameReader.ReadPing(header, payload);
                return header.IsAck
                    ? ValueTask.CompletedTask
                    : _output.WritePingAckAsync(data);
            case Http2FrameType.GoAway:
                Http2FrameReader.ReadGoAway(header, payload);
                return ValueTask.CompletedTask;
            case Http2FrameType.WindowUpdate:
                OnWindowUpdate(header, payload);
                return ValueTask.CompletedTask;
            default:
                // Unknown frame types are ignored (section 5.5).
                return ValueTask.CompletedTask;
        }
    }

    private ValueTask OnHeadersAsync(in Http2FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        var fragment = Http2FrameReader.ReadHeaders(header, payload, out var priority);
        if (header.StreamId % 2 == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"The client opened stream {header.StreamId}, an even number, which only a server may use (RFC 9113 section 5.1.1).");
        }

        return _block.Start(header, fragment) ? OnHeaderBlockAsync(priority) : ValueTask.CompletedTask;
    }

    private ValueTask OnContinuationAsync(in Http2FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        var fragment = Http2FrameReader.ReadContinuation(header, payload);
        return _block.Continue(header, fragment) ? OnHeaderBlockAsync(null) : ValueTask.CompletedTask;
    }

    /// <summary>A complete header block: a new stream's request, or a stream's trailers.</summary>
    private ValueTask OnHeaderBlockAsync(Http2Priority? priority)
    {
        var id = _block.StreamId;
        var endStream = _block.EndStream;
        _block.Done();

        // Decoded whatever becomes of the stream: the decoder's table must follow the client's encoder.
        var fields = new List<HeaderField>();
        var withinLimit = _decoder.Decode(_block.Bytes, fields, limits.MaxHeaderListSize);
        if (priority is { } p)
        {
            Http2FrameReader.ValidatePriority(id, p);
        }

        if (id <= _lastStreamId)
        {
            OnTrailers(id, _streams.Find(id), fields, endStream);
            return ValueTask.CompletedTask;
        }

        _lastStreamId = id;
        bool draining;
        lock (_gate)
        {
            draining = _draining;
        }

        if (draining)
        {
            throw new Http2StreamException(id, Http2ErrorCode.RefusedStream, $"Stream {id} was refused: the proxy is stopping.");
        }

        var stream = new Http2Stream(id, _peer.InitialWindowSize, limits.InitialStreamWindow)
        {
            Body = endStream ? null : new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false)),
            RemoteClosed = endStream,
        };
        stream.RequestFields.AddRange(fields);
        if (!_streams.TryAdd(stream, limits.MaxConcurrentStreams, out var open))
        {
            throw new Http2StreamException(id, Http2ErrorCode.RefusedStream, $"Stream {id} was refused: {open} streams are open, the most SETTINGS_MAX_CONCURRENT_STREAMS allows.");
        }

        var exchange = new Http2StreamExchange(this, stream);
        // The exchange runs beside the read loop, which goes on reading other streams' frames meanwhile.
        _ = withinLimit
            ? Task.Run(() => exchange.RunAsync(_stop))
            : exchange.RefuseAsync(431, $"The request's header list is larger than {limits.MaxHeaderListSize} bytes.");
        return ValueTask.CompletedTask;
    }

    private void OnTrailers(int id, Http2Stream? stream, List<HeaderField> fields, bool endStream)
    {
        if (stream is null || stream.RemoteClosed)
        {
            throw new Http2StreamException(id, Http2ErrorCode.StreamClosed, $"HEADERS came on stream {id}, which the client had already ended (RFC 9113 section 5.1).");
        }

        if (!endStream)
        {
            throw new Http2StreamException(id, Http2ErrorCode.ProtocolError, $"Stream {id}'s trailers did not end the stream (RFC 9113 section 8.1).");
        }

        foreach (var (name, _) in fields)
        {
            if (name.StartsWith(':'))
            {
                throw new Http2StreamException(id, Http2ErrorCode.ProtocolError, $"Stream {id}'s trailers carry the pseudo-header field {name} (RFC 9113 section 8.1).");
            }
        }

        stream.Trailers = fields;
        stream.EndRemote();
    }

    private void OnData(in Http2FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        var data = Http2FrameReader.ReadData(header, payload);
        var id = header.StreamId;
        var stream = _streams.Find(id);

        _received.Receive(stream, header.Length);
        if (id > _lastStreamId)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"DATA came on stream {id}, which was never opened (RFC 9113 section 5.1).");
        }

        // Padding, and data for a stream that is gone, are consumed at once.
        var discarded = header.Length - (int)data.Length;
        if (stream is null || stream.RemoteClosed)
        {
            _ = ConsumedAsync(null, header.Length).AsTask();

            // DATA already in flight when a stream was answered or reset is dropped (RFC 9113 section 5.1, "closed").
            if (stream is null || stream.LocalClosed)
            {
                return;
            }

            throw new Http2StreamException(id, Http2ErrorCode.StreamClosed, $"DATA came on stream {id} after the client ended it (RFC 9113 section 5.1).");
        }

        stream.Receive(data, header.IsEndStream);

        if (discarded > 0)
        {
            _ = ConsumedAsync(stream, discarded).AsTask();
        }
    }

    private void OnRstStream(in Http2FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        var code = Http2FrameReader.ReadRstStream(header, payload);
        var id = header.StreamId;
        if (id > _lastStreamId)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"RST_STREAM came on stream {id}, which was never opened (RFC 9113 section 6.4).");
        }

        // A client that opens and resets streams faster than anyone reads pages is making the proxy work for nothing.
        var second = Environment.TickCount64 / 1000;
        _resetsThisSecond = second == _resetSecond ? _resetsThisSecond + 1 : 1;
        _resetSecond = second;
        if (_resetsThisSecond > limits.MaxResetsPerSecond)
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm, $"The client reset more than {limits.MaxResetsPerSecond} streams in one second (rapid reset, CVE-2023-44487).");
        }

        var stream = _streams.Find(id);

        stream?.Reset(code);
    }

    private async ValueTask OnSettingsAsync(Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        var settings = Http2FrameReader.ReadSettings(header, payload);
        if (header.IsAck)
        {
            return;
        }

        var delta = _peer.Apply(settings);
        if (delta != 0)
        {
            _windows.Adjust(_streams.Snapshot(), delta);
        }

        await _output.AcknowledgeSettingsAsync(_peer).ConfigureAwait(false);
    }

    private void OnWindowUpdate(in Http2FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        var increment = Http2FrameReader.ReadWindowUpdate(header, payload);
        if (header.StreamId == 0)
        {
            _windows.AddToConnection(increment);
            return;
        }

        if (header.StreamId > _lastStreamId)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"WINDOW_UPDATE came on stream {header.StreamId}, which was never opened (RFC 9113 section 5.1).");
        }

        var stream = _streams.Find(header.StreamId);

        if (stream is not null)
        {
            _windows.AddToStream(stream, increment);
        }
    }

    /// <summary>A header list on a stream (a response head, an interim response, trailers).</summary>
    public ValueTask SendHeadersAsync(Http2Stream stream, IReadOnlyList<HeaderField> fields, bool endStream, CancellationToken cancel = default)
    {
        if (endStream)
        {
            _streams.Finish(stream);
        }

        return _output.WriteHeadersAsync(stream.Id, fields, endStream, cancel);
    }

    /// <summary>
    /// Sends <paramref name="data"/> on a stream as DATA frames, each as large as both flow-control windows and the
    /// client's frame size allow, waiting for WINDOW_UPDATEs in between.
    /// </summary>
    public ValueTask SendDataAsync(Http2Stream stream, ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancel) =>
        _windows.SendAsync(_output, stream, data, endStream, () => _streams.Finish(stream), cancel);

    /// <summary>Resets a stream from our side, with a log line saying why.</summary>
    public async ValueTask ResetStreamAsync(int id, Http2ErrorCode code, string reason)
    {
        var stream = _streams.Find(id);

        if (code != Http2ErrorCode.NoError && code != Http2ErrorCode.Cancel)
        {
            LogStreamError(handler.Logger, PeerName, id, Http2ErrorText.Name(code), reason);
        }

        if (stream is not null)
        {
            stream.LocalClosed = true;
            stream.Reset(null);
        }

        if (stream is not null)
        {
            _streams.Finish(stream);
        }

        await _output.WriteRstStreamAsync(id, code).ConfigureAwait(false);
    }

    private async ValueTask GoAwayAsync(Http2ErrorCode code, string debug)
    {
        lock (_gate)
        {
            if (_goAwaySent && code == Http2ErrorCode.NoError)
            {
                return;
            }

            _goAwaySent = true;
        }

        await _output.TryWriteGoAwayAsync(_lastStreamId, code, debug).ConfigureAwait(false);
    }

    private void CancelReading()
    {
        try
        {
            _readStop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection ended already.
        }
    }

    /// <summary>The connection is over: every stream still open is reset, and its exchange ends.</summary>
    private async Task EndStreamsAsync()
    {
        await _streams.ResetAllAndWaitAsync(null).ConfigureAwait(false);
        _readStop.Dispose();
    }

    [LoggerMessage(EventId = 330, Level = LogLevel.Information, Message = "Client {Client}: HTTP/2 connection error {Code}: {Reason}")]
    private static partial void LogConnectionError(ILogger logger, string client, string code, string reason);

    [LoggerMessage(EventId = 331, Level = LogLevel.Information, Message = "Client {Client}: HTTP/2 stream {StreamId} reset with {Code}: {Reason}")]
    private static partial void LogStreamError(ILogger logger, string client, int streamId, string code, string reason);
}
