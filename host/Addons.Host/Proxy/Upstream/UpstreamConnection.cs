using System.IO.Pipelines;
using System.Net.Sockets;
using Addons.Abstractions.Flows;
using Addons.Host.Diagnostics;

namespace Addons.Host.Proxy.Upstream;

/// <summary>
/// An open connection to a server, with the reader over it and the flow-model record of it. It counts among the
/// active upstream connections of the metrics from its creation to its disposal.
/// </summary>
internal sealed class UpstreamConnection : IAsyncDisposable
{
    private readonly HostMetrics _metrics;
    private int _disposed;

    public UpstreamConnection(UpstreamKey key, Socket socket, Stream stream, ServerConnection model, ClientConnection client, HostMetrics metrics)
    {
        Key = key;
        Socket = socket;
        Stream = stream;
        Reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        Model = model;
        LastClient = client;
        _metrics = metrics;
        metrics.UpstreamOpened();
    }

    public UpstreamKey Key { get; }

    public Socket Socket { get; }

    public Stream Stream { get; }

    public PipeReader Reader { get; }

    public ServerConnection Model { get; }

    /// <summary>The client whose flow used it last, for <c>server_disconnected</c>.</summary>
    public ClientConnection LastClient { get; set; }

    /// <summary>How many exchanges it carried; a failure on a reused connection may be retried on a fresh one.</summary>
    public int Uses { get; set; }

    public DateTimeOffset IdleSince { get; set; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Whether an idle connection still looks open: not closed by the server and with no unexpected bytes.</summary>
    public bool LooksReusable()
    {
        try
        {
            return !IsDisposed && Socket.Connected && !Socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _metrics.UpstreamClosed();
        Model.TimestampEnd ??= DateTimeOffset.UtcNow;
        await Reader.CompleteAsync().ConfigureAwait(false);
        await Stream.DisposeAsync().ConfigureAwait(false);
        Socket.Dispose();
    }
}
