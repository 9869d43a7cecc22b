using System.IO.Pipelines;
using System.Net.Sockets;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Diagnostics;
using Addons.Host.Proxy.Http2;
using Addons.Host.Proxy.Tls;
using Addons.Host.Proxy.Upstream;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Proxy;

/// <summary>
/// One client connection from accept to close: <c>client_connected</c>, the connection handler that serves it with
/// the right protocol, and <c>client_disconnected</c>. Every failure ends in an answer or a closed connection, never
/// in a crash.
/// </summary>
internal sealed partial class ClientSession
{
    private readonly Socket _socket;
    private readonly ProxySettings _settings;
    private readonly AddonChain _chain;
    private readonly HostMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ClientConnection _client;
    private readonly ConnectionHandler _handler;

    public ClientSession(Socket socket, ProxySettings settings, AddonChain chain, UpstreamPool pool, Http2UpstreamPool http2Pool, UpstreamConnector connector, TlsInterceptor? tls, HostMetrics metrics, ILogger logger)
    {
        _socket = socket;
        _settings = settings;
        _chain = chain;
        _metrics = metrics;
        _logger = logger;
        _client = new ClientConnection
        {
            PeerName = UpstreamConnector.ToHostPort(socket.RemoteEndPoint),
            SockName = UpstreamConnector.ToHostPort(socket.LocalEndPoint),
            TimestampStart = DateTimeOffset.UtcNow,
            ProxyMode = settings.Mode.Spec,
        };
        _handler = new ConnectionHandler(
            _client, settings, chain, pool, http2Pool, connector, new TunnelRelay(chain, pool, connector, logger), tls, metrics, logger);
    }

    public ClientConnection Client => _client;

    /// <summary>
    /// Serves the connection until the client closes it, <paramref name="stop"/> cuts it, or, once <see cref="Drain"/>
    /// is called, the exchange in flight is over.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var stream = new MeteredStream(new NetworkStream(_socket, ownsSocket: true), _metrics, clientSide: true);
        var channel = new ClientChannel(stream, PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)));
        try
        {
            await _chain.InvokeAsync(Hook.ClientConnected, new ClientConnectionContext(_client, stop)).ConfigureAwait(false);
            if (_client.Error is not null)
            {
                return;
            }

            var origin = _settings.Mode.Upstream is { } upstream
                ? RequestOrigin.Reverse(upstream)
                : RequestOrigin.Forward;
            await _handler.ServeAsync(channel, origin, stop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the host is stopping: nothing left to answer.
        }
        catch (Exception ex)
        {
            LogSessionFailed(_logger, _client.PeerName?.ToString() ?? "?", ex.Message, ex);
        }
        finally
        {
            _client.TimestampEnd = DateTimeOffset.UtcNow;
            await channel.DisposeAsync().ConfigureAwait(false);
            await _chain.InvokeAsync(Hook.ClientDisconnected, new ClientConnectionContext(_client, CancellationToken.None)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The host is stopping: a connection waiting for its next request closes now, one receiving a head or in an exchange
    /// finishes it and closes after the response.
    /// </summary>
    public void Drain() => _handler.Drain();

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Client {Client}: the connection failed: {Reason}")]
    private static partial void LogSessionFailed(ILogger logger, string client, string reason, Exception exception);
}
