using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// A loopback server that answers with exact bytes, for responses no real server sends (bad framing, odd reason
/// phrases, early close). It records each request head it received.
/// </summary>
internal sealed class RawOrigin : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<NetworkStream, string, Task> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    /// <param name="answer">Called with each request head received; writes the response.</param>
    public RawOrigin(Func<NetworkStream, string, Task> answer)
    {
        _answer = answer;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public ConcurrentQueue<string> Requests { get; } = new();

    public int Connections => _connections;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url(string path = "/") => $"http://127.0.0.1:{Port}{path}";

    private int _connections;

    /// <summary>A server that answers every request with the same bytes.</summary>
    public static RawOrigin Answering(string response) => new((stream, _) => stream.WriteAsync(Encoding.Latin1.GetBytes(response)).AsTask());

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var buffer = new byte[65536];
        var pending = new StringBuilder();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var read = await stream.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                pending.Append(Encoding.Latin1.GetString(buffer, 0, read));
                var text = pending.ToString();
                var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (end < 0)
                {
                    continue;
                }

                var head = text[..(end + 4)];
                Requests.Enqueue(text);
                pending.Clear();
                await _answer(stream, head);
            }
        }
        catch (Exception)
        {
            // The proxy closed its side; the test decides what that means.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
    }
}
