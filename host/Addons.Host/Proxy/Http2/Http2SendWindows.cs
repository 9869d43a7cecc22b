namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The send side of HTTP/2 flow control (RFC 9113 section 6.9): the connection's window and every stream's, changed
/// under one lock. A stream with data to send takes what both windows allow and waits for a WINDOW_UPDATE when
/// either is spent.
/// </summary>
internal sealed class Http2SendWindows
{
    private readonly Lock _gate = new();
    private long _connection = Http2Settings.DefaultInitialWindowSize;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Takes up to <paramref name="wanted"/> bytes from both windows, waiting while either is empty.</summary>
    public async ValueTask<int> TakeAsync(Http2Stream stream, int wanted, CancellationToken cancel)
    {
        while (true)
        {
            Task wait;
            lock (_gate)
            {
                var granted = (int)Math.Min(wanted, Math.Min(_connection, stream.SendWindow));
                if (granted > 0)
                {
                    _connection -= granted;
                    stream.SendWindow -= granted;
                    return granted;
                }

                wait = _changed.Task;
            }

            await wait.WaitAsync(cancel).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends <paramref name="data"/> on a stream as DATA frames, each as large as both windows and the peer's frame size
    /// allow, waiting for WINDOW_UPDATEs in between; <paramref name="beforeLast"/> runs right before the frame that ends
    /// the stream goes out.
    /// </summary>
    public async ValueTask SendAsync(Http2FrameOutput output, Http2Stream stream, ReadOnlyMemory<byte> data, bool endStream, Action? beforeLast, CancellationToken cancel)
    {
        if (data.IsEmpty)
        {
            if (endStream)
            {
                beforeLast?.Invoke();
                await output.WriteDataAsync(stream.Id, data, endStream: true, cancel).ConfigureAwait(false);
            }

            return;
        }

        while (!data.IsEmpty)
        {
            var granted = await TakeAsync(stream, Math.Min(data.Length, output.MaxFrameSize * 4), cancel).ConfigureAwait(false);
            var chunk = data[..granted];
            data = data[granted..];
            var last = endStream && data.IsEmpty;
            if (last)
            {
                beforeLast?.Invoke();
            }

            await output.WriteDataAsync(stream.Id, chunk, last, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>A WINDOW_UPDATE on stream 0.</summary>
    public void AddToConnection(int increment)
    {
        lock (_gate)
        {
            if (_connection + increment > Http2Settings.MaxWindowSize)
            {
                throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, "A WINDOW_UPDATE took the connection's window past 2^31-1 (RFC 9113 section 6.9.1).");
            }

            _connection += increment;
            Pulse();
        }
    }

    /// <summary>A WINDOW_UPDATE on a stream.</summary>
    public void AddToStream(Http2Stream stream, int increment)
    {
        lock (_gate)
        {
            if (stream.SendWindow + increment > Http2Settings.MaxWindowSize)
            {
                throw new Http2StreamException(stream.Id, Http2ErrorCode.FlowControlError, $"A WINDOW_UPDATE took stream {stream.Id}'s window past 2^31-1 (RFC 9113 section 6.9.1).");
            }

            stream.SendWindow += increment;
            Pulse();
        }
    }

    /// <summary>
    /// A new SETTINGS_INITIAL_WINDOW_SIZE changes the window of every open stream by the difference, which may leave
    /// one negative (section 6.9.2).
    /// </summary>
    public void Adjust(IEnumerable<Http2Stream> streams, int delta)
    {
        lock (_gate)
        {
            foreach (var stream in streams)
            {
                if (stream.SendWindow + delta > Http2Settings.MaxWindowSize)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, $"SETTINGS_INITIAL_WINDOW_SIZE took stream {stream.Id}'s window past 2^31-1 (RFC 9113 section 6.9.2).");
                }

                stream.SendWindow += delta;
            }

            Pulse();
        }
    }

    private void Pulse()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
    }
}
