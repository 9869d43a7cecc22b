using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// One stream of an HTTP/2 connection, as the read loop and the stream's exchange share it: what the peer sent (the
/// request on a client's connection, the response on a server's), its body as it arrives, its trailers, both
/// flow-control windows, and its reset.
/// </summary>
internal sealed class Http2Stream(int id, int sendWindow, int receiveWindow)
{
    private readonly CancellationTokenSource _reset = new();

    public int Id { get; } = id;

    /// <summary>The request's header fields on a client's connection, pseudo-header fields first, as decoded.</summary>
    public List<HeaderField> RequestFields { get; } = [];

    /// <summary>
    /// On a connection to a server, the response's header blocks as they come: interim (1xx) ones, then the final one.
    /// </summary>
    public Channel<List<HeaderField>>? ResponseHeads { get; init; }

    /// <summary>Whether the final (non-1xx) response head arrived; a header block after it is trailers.</summary>
    public bool FinalHeadReceived { get; set; }

    /// <summary>The peer's body as DATA frames bring it; null when HEADERS ended the stream.</summary>
    public Pipe? Body { get; init; }

    /// <summary>Trailer fields, when the client sent a second HEADERS frame.</summary>
    public List<HeaderField>? Trailers { get; set; }

    /// <summary>Whether the client ended its side (END_STREAM).</summary>
    public bool RemoteClosed { get; set; }

    /// <summary>Whether we ended our side, or reset the stream: nothing more is sent on it.</summary>
    public bool LocalClosed { get; set; }

    /// <summary>What we may still send; changed only under <see cref="Http2SendWindows"/>' lock.</summary>
    public long SendWindow { get; set; } = sendWindow;

    /// <summary>What the client may still send before we give credit back.</summary>
    public int ReceiveWindow { get; set; } = receiveWindow;

    /// <summary>Request body bytes received (padding included) and not yet consumed by the exchange.</summary>
    public int Unread { get; set; }

    /// <summary>Bytes the exchange consumed that were not yet given back as a WINDOW_UPDATE.</summary>
    public int Unacknowledged { get; set; }

    /// <summary>Whether our response's HEADERS went out: after that, a failure can only reset the stream.</summary>
    public bool ResponseStarted { get; set; }

    /// <summary>Why the peer reset the stream, if it did.</summary>
    public Http2ErrorCode? ResetByPeer { get; private set; }

    /// <summary>Cancelled when the stream is reset, by either side, or its connection ends.</summary>
    public CancellationToken Cancelled => _reset.Token;

    /// <summary>A DATA frame's payload: it joins the body; with END_STREAM the peer's side is over.</summary>
    public void Receive(in ReadOnlySequence<byte> data, bool endStream)
    {
        foreach (var segment in data)
        {
            Body!.Writer.Write(segment.Span);
        }

        // The pipe has no pause threshold (flow control bounds it), so the flush completes at once.
        _ = Body!.Writer.FlushAsync();
        if (endStream)
        {
            EndRemote();
        }
    }

    /// <summary>The peer ended its side (END_STREAM): the body, and the response heads on a client's stream, are complete.</summary>
    public void EndRemote()
    {
        RemoteClosed = true;
        Body?.Writer.Complete();
        ResponseHeads?.Writer.TryComplete();
    }

    public void Reset(Http2ErrorCode? byPeer, string? reason = null)
    {
        ResetByPeer ??= byPeer;
        RemoteClosed = true;
        var error = new IOException(reason ?? (byPeer is { } code ? $"the peer reset the stream ({Http2ErrorText.Name(code)})" : "the stream was reset"));
        Body?.Writer.Complete(error);
        ResponseHeads?.Writer.TryComplete(error);
        try
        {
            _reset.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The exchange is over already.
        }
    }
}
