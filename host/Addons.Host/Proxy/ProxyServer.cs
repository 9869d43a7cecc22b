using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Diagnostics;
using Addons.Host.Proxy.Tls;
using Addons.Host.Proxy.Upstream;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Proxy;

/// <summary>
/// The listening socket and its client sessions. Starts with the host (after the addons are configured, before
/// <c>running</c>) and stops first: no new connections, open ones cancelled, idle upstream connections closed.
/// </summary>
internal sealed partial class ProxyServer(
    ProxyAddon proxy,
    AddonChain chain,
    UpstreamConnector connector,
    HostMetrics metrics,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<ProxyServer>();
    private readonly ConcurrentDictionary<ClientSession, Task> _sessions = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _drain = new();
    private readonly UpstreamPool _pool = new(metrics);
    private Http2.Http2UpstreamPool? _http2Pool;
    private Socket? _listener;
    private Task _accepting = Task.CompletedTask;
    private TlsInterceptor? _tls;

    /// <summary>Where the proxy listens once started (with the actual port when listen_port was 0).</summary>
    public IPEndPoint? EndPoint { get; private set; }

    /// <summary>The CA the proxy signs intercepted certificates with.</summary>
    public CertificateAuthority? Authority => _tls?.Authority;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = proxy.Settings;
        if (!settings.Server)
        {
            LogNoServer(_logger);
            return Task.CompletedTask;
        }

        try
        {
            var authority = CertificateAuthority.LoadOrCreate(settings.ConfigDirectory, time, loggers.CreateLogger<CertificateAuthority>());
            _tls = new TlsInterceptor(authority, chain, metrics, loggers.CreateLogger<TlsInterceptor>());
        }
        catch (AddonHostException ex)
        {
            return Fail(ex.Message);
        }

        var endPoint = new IPEndPoint(settings.ListenAddress, settings.ListenPort);
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.Bind(endPoint);
            listener.Listen(1024);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            return Fail($"The proxy cannot listen on {endPoint} ({ex.Message}); set listen_host or listen_port (-p) to another address.");
        }

        _listener = listener;
        EndPoint = (IPEndPoint)listener.LocalEndPoint!;
        _pool.Closed = connection => chain.InvokeAsync(Hook.ServerDisconnected,
            new ServerConnectionContext(connection.LastClient, connection.Model, CancellationToken.None));
        LogListening(_logger, settings.Mode.Spec, EndPoint.ToString(), _tls.Authority.CertificatePemPath);
        _accepting = AcceptAsync(listener, settings);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops gracefully: the listener closes (new connections are refused), idle connections close, and exchanges in
    /// flight finish and answer with <c>Connection: close</c>; what is still open when the shutdown timeout ends is cut.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _drain.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        foreach (var session in _sessions.Keys)
        {
            session.Drain();
        }
        try
        {
            await _accepting.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!_sessions.IsEmpty)
            {
                LogDraining(_logger, _sessions.Count);
            }

            await Task.WhenAll(_sessions.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogSessionsAbandoned(_logger, _sessions.Count);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Http2Pool.DisposeAsync().ConfigureAwait(false);
        await _pool.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The HTTP/2 connections to servers, shared by every client connection.</summary>
    private Http2.Http2UpstreamPool Http2Pool => LazyInitializer.EnsureInitialized(ref _http2Pool, () => new Http2.Http2UpstreamPool(_pool, new Http2.Http2Limits()));

    public async ValueTask DisposeAsync()
    {
        _stop.Dispose();
        _drain.Dispose();
        _listener?.Dispose();
        _tls?.Authority.Dispose();
        await Http2Pool.DisposeAsync().ConfigureAwait(false);
        await _pool.DisposeAsync().ConfigureAwait(false);
    }

    private async Task AcceptAsync(Socket listener, ProxySettings settings)
    {
        var sessionLogger = loggers.CreateLogger<ClientSession>();
        while (!_drain.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_drain.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException) when (_drain.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException ex)
            {
                LogAcceptFailed(_logger, ex.Message);
                continue;
            }

            socket.NoDelay = true;
            var session = new ClientSession(socket, settings, chain, _pool, Http2Pool, connector, _tls, metrics, sessionLogger);
            _sessions[session] = RunAsync(session);

            // Accepted as the stop began, after StopAsync told the sessions it knew of.
            if (_drain.IsCancellationRequested)
            {
                session.Drain();
            }
        }
    }

    private async Task RunAsync(ClientSession session)
    {
        await Task.Yield();
        metrics.ClientConnected();
        try
        {
            await session.RunAsync(_stop.Token).ConfigureAwait(false);
        }
        finally
        {
            metrics.ClientDisconnected();
            _sessions.TryRemove(session, out _);
        }
    }

    private Task Fail(string message)
    {
        LogStartFailed(_logger, message);
        Environment.ExitCode = 1;
        lifetime.StopApplication();
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 320, Level = LogLevel.Information, Message = "Proxy ({Mode}) listening at http://{EndPoint}; CA certificate for clients: {CaPath}")]
    private static partial void LogListening(ILogger logger, string mode, string endPoint, string caPath);

    [LoggerMessage(EventId = 321, Level = LogLevel.Critical, Message = "{Reason}")]
    private static partial void LogStartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 322, Level = LogLevel.Warning, Message = "Accepting a connection failed: {Reason}")]
    private static partial void LogAcceptFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 324, Level = LogLevel.Information, Message = "The proxy does not listen (server is false, -n): the addons run on flows from elsewhere")]
    private static partial void LogNoServer(ILogger logger);

    [LoggerMessage(EventId = 325, Level = LogLevel.Information, Message = "Stopping: no new connections; waiting for {Count} open connection(s) to finish their exchanges")]
    private static partial void LogDraining(ILogger logger, int count);

    [LoggerMessage(EventId = 323, Level = LogLevel.Warning, Message = "{Count} connection(s) were still open when the shutdown timeout ended")]
    private static partial void LogSessionsAbandoned(ILogger logger, int count);
}
