namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The receive side of HTTP/2 flow control (RFC 9113 section 6.9): what the peer may still send on the connection
/// and on each stream, and the credit to give back as the consumer reads, in WINDOW_UPDATEs of at least half a window
/// so that a fast peer is not slowed by a frame per read.
/// </summary>
internal sealed class Http2ReceiveWindows(Http2Limits limits)
{
    private readonly Lock _gate = new();
    private int _connection = limits.ConnectionWindow;
    private int _connectionUnacknowledged;

    /// <summary>
    /// Counts a DATA frame's length against the windows; a frame past the connection's window is a connection error,
    /// past an open stream's a stream error. A null or closed stream counts against the connection only.
    /// </summary>
    public void Receive(Http2Stream? stream, int length)
    {
        lock (_gate)
        {
            if (length > _connection)
            {
                throw new Http2ConnectionException(Http2ErrorCode.FlowControlError, $"The peer sent {length} bytes of DATA with {_connection} left in the connection's window (RFC 9113 section 6.9.1).");
            }

            _connection -= length;
            if (stream is null || stream.RemoteClosed)
            {
                return;
            }

            if (length > stream.ReceiveWindow)
            {
                throw new Http2StreamException(stream.Id, Http2ErrorCode.FlowControlError, $"The peer sent {length} bytes of DATA on stream {stream.Id} with {stream.ReceiveWindow} left in its window (RFC 9113 section 6.9.1).");
            }

            stream.ReceiveWindow -= length;
            stream.Unread += length;
        }
    }

    /// <summary>
    /// Bytes consumed (or dropped) on a stream, or on the connection alone when <paramref name="stream"/> is null; the
    /// increments to send now, 0 for none.
    /// </summary>
    public (int Stream, int Connection) Consume(Http2Stream? stream, int count)
    {
        int streamCredit = 0, connectionCredit = 0;
        lock (_gate)
        {
            if (stream is not null)
            {
                stream.Unread -= count;
                stream.Unacknowledged += count;
                if (stream.Unacknowledged >= limits.InitialStreamWindow / 2 && !stream.RemoteClosed)
                {
                    streamCredit = stream.Unacknowledged;
                    stream.Unacknowledged = 0;
                    stream.ReceiveWindow += streamCredit;
                }
            }

            _connectionUnacknowledged += count;
            if (_connectionUnacknowledged >= limits.ConnectionWindow / 2)
            {
                connectionCredit = _connectionUnacknowledged;
                _connectionUnacknowledged = 0;
                _connection += connectionCredit;
            }
        }

        return (streamCredit, connectionCredit);
    }

    /// <summary>
    /// <see cref="Consume"/>, then sends the WINDOW_UPDATEs it calls for; a peer already gone needs no credit, so a
    /// failed write is not an error here.
    /// </summary>
    public async ValueTask ConsumeAsync(Http2Stream? stream, int count, Http2FrameOutput output)
    {
        var (streamCredit, connectionCredit) = Consume(stream, count);
        try
        {
            if (streamCredit > 0)
            {
                await output.WriteWindowUpdateAsync(stream!.Id, streamCredit).ConfigureAwait(false);
            }

            if (connectionCredit > 0)
            {
                await output.WriteWindowUpdateAsync(0, connectionCredit).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer is gone.
        }
    }

    /// <summary>What a finished stream received and nobody read: it goes back to the connection.</summary>
    public int Unread(Http2Stream stream)
    {
        lock (_gate)
        {
            var unread = stream.Unread;
            stream.Unread = 0;
            return unread;
        }
    }
}
