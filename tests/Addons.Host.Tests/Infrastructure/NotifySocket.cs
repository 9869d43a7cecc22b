using System.Net.Sockets;
using System.Text;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// The service manager's end of systemd's notify protocol: a Unix datagram socket whose path a child gets as
/// <c>NOTIFY_SOCKET</c>, receiving its <c>READY=1</c>, <c>STOPPING=1</c> and other state lines, as systemd does for a
/// <c>Type=notify</c> unit.
/// </summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket;

    private NotifySocket(Socket socket, string path)
    {
        _socket = socket;
        Path = path;
    }

    /// <summary>The socket's path, the value for <c>NOTIFY_SOCKET</c>.</summary>
    public string Path { get; }

    /// <summary>Binds a new socket at <paramref name="path"/> (at most 107 bytes long, as for any Unix socket).</summary>
    public static NotifySocket Bind(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return new NotifySocket(socket, path);
    }

    /// <summary>The next datagram's text (one or more <c>KEY=VALUE</c> lines), or null if none came within <paramref name="timeout"/>.</summary>
    public async Task<string?> ReceiveAsync(TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            var length = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        File.Delete(Path);
    }
}
