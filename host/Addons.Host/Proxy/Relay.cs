using System.IO.Pipelines;

namespace Addons.Host.Proxy;

/// <summary>Copies bytes both ways between two connections until either side closes (tunnels, WebSocket).</summary>
internal static class Relay
{
    public static async Task RunAsync(PipeReader fromClient, Stream toClient, PipeReader fromServer, Stream toServer, CancellationToken stop)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var up = CopyAsync(fromClient, toServer, done.Token);
        var down = CopyAsync(fromServer, toClient, done.Token);
        await Task.WhenAny(up, down).ConfigureAwait(false);
        await done.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(up, down).ConfigureAwait(false);
    }

    private static async Task CopyAsync(PipeReader reader, Stream writer, CancellationToken token)
    {
        try
        {
            await reader.CopyToAsync(writer, token).ConfigureAwait(false);
            await writer.FlushAsync(token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // One side closed or the relay is ending: the other direction is stopped too.
        }
    }
}
