using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>A TCP client that writes exact bytes, for the requests HttpClient would never send.</summary>
internal sealed class RawClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly StringBuilder _received = new();

    private RawClient(TcpClient tcp)
    {
        _tcp = tcp;
        Stream = tcp.GetStream();
    }

    public NetworkStream Stream { get; }

    public static async Task<RawClient> ConnectAsync(IPEndPoint endPoint)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint);
        return new RawClient(tcp);
    }

    public Task SendAsync(string text) => Stream.WriteAsync(Encoding.Latin1.GetBytes(text)).AsTask();

    /// <summary>Reads until <paramref name="marker"/> has arrived (or fails after 10 s); returns everything read so far.</summary>
    public async Task<string> ReadUntilAsync(string marker)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[8192];
        while (!_received.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var read = await Stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                Assert.Fail($"The connection closed before \"{marker}\"; received: {_received}");
            }

            _received.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }

        return _received.ToString();
    }

    /// <summary>Reads until the proxy closes the connection (or fails after 10 s); returns everything read.</summary>
    public async Task<string> ReadToEndAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[8192];
        try
        {
            int read;
            while ((read = await Stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                _received.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
        }
        catch (IOException)
        {
            // A reset counts as closed.
        }

        return _received.ToString();
    }

    /// <summary>Forgets what was read, to read the next response.</summary>
    public void ClearReceived() => _received.Clear();

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
