using System.IO.Pipelines;
using System.Net.Sockets;
using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Upstream;

/// <summary>An open connection to a server, with the reader over it and the flow-model record of it.</summary>
internal sealed class UpstreamConnection(UpstreamKey key, Socket socket, Stream stream, ServerConnection model, ClientConnection client) : IAsyncDisposable
{
    private int _disposed;

    public UpstreamKey Key { get; } = key;

    public Socket Socket { get; } = socket;

    public Stream Stream { get; } = stream;

    public PipeReader Reader { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));

    public ServerConnection Model { get; } = model;

    /// <summary>The client whose flow used it last, for <c>server_disconnected</c>.</summary>
    public ClientConnection LastClient { get; set; } = client;

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

        Model.TimestampEnd ??= DateTimeOffset.UtcNow;
        await Reader.CompleteAsync().ConfigureAwait(false);
        await Stream.DisposeAsync().ConfigureAwait(false);
        Socket.Dispose();
    }
}
