using System.Buffers;
using System.IO.Pipelines;
using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http2.Hpack;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The one writer of an HTTP/2 connection: frames from the read loop (acknowledgements, window updates, resets) and
/// from every stream go out whole and in order. Header blocks are encoded under the same lock as they are written,
/// because the peer's HPACK decoder must see them in the order the encoder's dynamic table changed. Frames go into a
/// pipe that one pump copies to the connection, so that the frames of many streams written meanwhile leave together
/// in one write (one TLS record, one system call) rather than one each.
/// </summary>
internal sealed class Http2FrameOutput : IAsyncDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false));
    private readonly PipeWriter _writer;
    private readonly HpackEncoder _encoder = new();
    private readonly ArrayBufferWriter<byte> _block = new(1024);
    private readonly Stream _stream;
    private readonly Task _pump;
    private bool _closed;

    public Http2FrameOutput(Stream stream)
    {
        _stream = stream;
        _writer = _pipe.Writer;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>The peer's SETTINGS_MAX_FRAME_SIZE: no frame payload we send is larger.</summary>
    public int MaxFrameSize { get; set; } = Http2Settings.DefaultMaxFrameSize;

    /// <summary>Writes frames with <paramref name="write"/> and flushes them, unless the connection is already closed.</summary>
    public async ValueTask WriteAsync<TState>(TState state, Action<IBufferWriter<byte>, TState> write, CancellationToken cancel = default)
    {
        await _lock.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                return;
            }

            write(_writer, state);
            await FlushAsync(cancel).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>A header list as HEADERS and CONTINUATION frames; names must be lowercase already.</summary>
    public async ValueTask WriteHeadersAsync(int streamId, IReadOnlyList<HeaderField> fields, bool endStream, CancellationToken cancel = default)
    {
        await _lock.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                return;
            }

            _block.ResetWrittenCount();
            _encoder.Encode(fields, _block);
            Http2FrameWriter.WriteHeaders(_writer, streamId, _block.WrittenSpan, endStream, MaxFrameSize);
            await FlushAsync(cancel).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>DATA frames for <paramref name="data"/>, which the caller's flow-control windows already allow.</summary>
    public async ValueTask WriteDataAsync(int streamId, ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancel = default)
    {
        await _lock.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            if (_closed)
            {
                return;
            }

            Http2FrameWriter.WriteData(_writer, streamId, data.Span, endStream, MaxFrameSize);
            await FlushAsync(cancel).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Takes the peer's new settings into account for what we send (frame size, HPACK table size) and acknowledges
    /// them (RFC 9113 section 6.5.3).
    /// </summary>
    public async ValueTask AcknowledgeSettingsAsync(Http2Settings peer)
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            MaxFrameSize = peer.MaxFrameSize;
            _encoder.SetPeerMaxTableSize(peer.HeaderTableSize);
            if (_closed)
            {
                return;
            }

            Http2FrameWriter.WriteSettingsAck(_writer);
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    public ValueTask WritePingAckAsync(ulong data) =>
        WriteAsync(data, static (w, d) => Http2FrameWriter.WritePing(w, d, ack: true));

    /// <summary>A GOAWAY, if the peer is still there to read it.</summary>
    public async ValueTask TryWriteGoAwayAsync(int lastStreamId, Http2ErrorCode code, string debug)
    {
        try
        {
            await WriteAsync((lastStreamId, code, debug), static (w, s) =>
                Http2FrameWriter.WriteGoAway(w, s.lastStreamId, s.code, System.Text.Encoding.UTF8.GetBytes(s.debug))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer is gone: there is no one to tell.
        }
    }

    public ValueTask WriteRstStreamAsync(int streamId, Http2ErrorCode code) =>
        WriteAsync((streamId, code), static (w, s) => Http2FrameWriter.WriteRstStream(w, s.streamId, s.code));

    public ValueTask WriteWindowUpdateAsync(int streamId, int increment) =>
        WriteAsync((streamId, increment), static (w, s) => Http2FrameWriter.WriteWindowUpdate(w, s.streamId, s.increment));

    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            _closed = true;
            await _writer.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }

        // What was written goes out before the connection closes (a GOAWAY, the last responses), unless the peer has
        // stopped reading: then closing the connection ends the pump's write.
        try
        {
            await _pump.WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Abandoned with the connection.
        }
    }

    /// <summary>Hands what was written to the pump; a connection that failed makes every writer fail.</summary>
    private async ValueTask FlushAsync(CancellationToken cancel)
    {
        var result = await _writer.FlushAsync(cancel).ConfigureAwait(false);
        if (result.IsCompleted)
        {
            _closed = true;
            throw new IOException("The HTTP/2 connection is closed.");
        }
    }

    private async Task PumpAsync()
    {
        var reader = _pipe.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    await _stream.WriteAsync(segment).ConfigureAwait(false);
                }

                if (!buffer.IsEmpty)
                {
                    await _stream.FlushAsync().ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await reader.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or NotSupportedException or InvalidOperationException)
        {
            // The peer is gone: writers learn it from their next flush.
            await reader.CompleteAsync(ex).ConfigureAwait(false);
        }
    }
}
