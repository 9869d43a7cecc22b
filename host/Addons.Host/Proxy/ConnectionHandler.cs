using System.IO.Pipelines;
using System.Net.Security;
using Addons.Abstractions.Flows;
using Addons.Host.Chain;
using Addons.Host.Diagnostics;
using Addons.Host.Proxy.Http1;
using Addons.Host.Proxy.Http2;
using Addons.Host.Proxy.Tls;
using Addons.Host.Proxy.Upstream;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Proxy;

/// <summary>
/// Picks the protocol for each channel of one client connection and hands the channel to that protocol's layer: at the
/// start of the connection, and inside a CONNECT tunnel, where the first bytes decide between TLS interception, plain
/// HTTP and a relay. Holds what every layer of the connection shares, and passes a drain on to the layer serving.
/// </summary>
internal sealed class ConnectionHandler(
    ClientConnection client,
    ProxySettings settings,
    AddonChain chain,
    UpstreamPool pool,
    Http2UpstreamPool http2Pool,
    UpstreamConnector connector,
    TunnelRelay tunnels,
    TlsInterceptor? tls,
    HostMetrics metrics,
    ILogger logger)
{
    private readonly Lock _gate = new();
    private IProtocolLayer? _active;
    private bool _draining;

    public ClientConnection Client => client;

    public ProxySettings Settings => settings;

    public AddonChain Chain => chain;

    /// <summary>The upstream exchange of the connection's HTTP/1 layers, which take one request at a time.</summary>
    public Http1UpstreamExchange Upstream { get; } = new(chain, pool, connector);

    public HostMetrics Metrics => metrics;

    public ILogger Logger => logger;

    /// <summary>An upstream HTTP/1 exchange of its own, for an HTTP/2 stream that runs beside others.</summary>
    public Http1UpstreamExchange CreateUpstreamExchange() => new(chain, pool, connector);

    /// <summary>The upstream exchange of HTTP/2 streams: HTTP/2 to servers that speak it, else HTTP/1.1.</summary>
    public Http2UpstreamExchange Http2Upstream => field ??= new Http2UpstreamExchange(chain, http2Pool, connector, CreateUpstreamExchange);

    /// <summary>Serves a connection from its start (plain, or reverse mode): HTTP/2 if it starts with the preface.</summary>
    public async Task ServeAsync(ClientChannel channel, RequestOrigin origin, CancellationToken stop)
    {
        if (origin.Kind == OriginKind.Reverse && tls is not null && await PeekAsync(channel.Reader, stop, settings.ClientTimeout).ConfigureAwait(false) == 0x16)
        {
            // A reverse proxy may be spoken to over TLS, as mitmproxy detects: the server's side stays as the mode says.
            var outcome = await tls.InterceptAsync(client, channel, origin.Host, origin.Port, settings, (_, offers, cancel) => origin.Scheme == "https"
                ? ChooseAlpnAsync(origin.Host, origin.Port, null, offers, cancel)
                : ValueTask.FromResult<List<SslApplicationProtocol>>(settings.Http2 && offers.Contains("h2") ? [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11] : [SslApplicationProtocol.Http11]), stop).ConfigureAwait(false);
            await ServeInterceptedAsync(outcome, channel, origin, stop).ConfigureAwait(false);
            return;
        }

        var http2 = await StartsWithHttp2PrefaceAsync(channel.Reader, stop).ConfigureAwait(false);
        if (http2 is null)
        {
            return;
        }

        var layer = http2.Value ? (IProtocolLayer)new Http2ServerConnection(this, settings.Http2Limits) : new Http1ServerConnection(this);
        await RunLayerAsync(layer, channel, origin, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// Serves what follows a CONNECT's 200: TLS to intercept, plain HTTP, or anything else as a relay (a TCP flow, or
    /// unseen for an ignored host).
    /// </summary>
    public async Task ServeTunnelAsync(ClientChannel channel, string host, int port, CancellationToken stop)
    {
        var first = await PeekAsync(channel.Reader, stop).ConfigureAwait(false);
        if (first is null)
        {
            return;
        }

        var ignored = settings.IsIgnored(host, port);
        if (first == 0x16 && tls is not null && !ignored)
        {
            var outcome = await tls.InterceptAsync(client, channel, host, port, settings, (name, offers, cancel) => ChooseAlpnAsync(host, port, name, offers, cancel), stop).ConfigureAwait(false);
            await ServeInterceptedAsync(outcome, channel, RequestOrigin.Tunnel("https", host, port), stop).ConfigureAwait(false);
            return;
        }

        if (first != 0x16 && !ignored && IsHttpMethodStart(first.Value))
        {
            var layer = await StartsWithHttp2PrefaceAsync(channel.Reader, stop).ConfigureAwait(false) == true
                ? (IProtocolLayer)new Http2ServerConnection(this, settings.Http2Limits)
                : new Http1ServerConnection(this);
            await RunLayerAsync(layer, channel, RequestOrigin.Tunnel("http", host, port), stop).ConfigureAwait(false);
            return;
        }

        // Ignored hosts pass through unseen; other traffic the proxy does not understand is a TCP flow, as in mitmproxy.
        await tunnels.RunAsync(client, channel, host, port, asFlow: !ignored, settings, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// mitmproxy's rule for ALPN: a client offering h2 is answered with what the server chose when offered the same,
    /// so that both sides speak one protocol; the connection opened to ask is kept for the client's first requests. A
    /// client not offering h2 gets http/1.1 without the server being asked first.
    /// </summary>
    private async ValueTask<List<SslApplicationProtocol>> ChooseAlpnAsync(string host, int port, string? serverName, IList<string> offers, CancellationToken stop)
    {
        if (!settings.Http2 || !offers.Contains("h2"))
        {
            return [SslApplicationProtocol.Http11];
        }

        var http2Only = !offers.Contains("http/1.1");
        var key = new UpstreamKey("https", host, port, serverName);
        if (http2Pool.Find(key) is not null)
        {
            return [SslApplicationProtocol.Http2];
        }

        if (http2Pool.IsHttp1Only(key))
        {
            return http2Only ? [SslApplicationProtocol.Http2] : [SslApplicationProtocol.Http11];
        }

        try
        {
            var opened = await connector.ConnectAsync(key, client, settings, stop, [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11]).ConfigureAwait(false);
            if (opened.Model.Alpn == "h2")
            {
                await http2Pool.AddAsync(opened).ConfigureAwait(false);
                return [SslApplicationProtocol.Http2];
            }

            http2Pool.MarkHttp1Only(key);
            await pool.ReturnAsync(opened).ConfigureAwait(false);
            return http2Only ? [SslApplicationProtocol.Http2] : [SslApplicationProtocol.Http11];
        }
        catch (UpstreamException)
        {
            // As mitmproxy: the client's handshake goes on, and its requests get the 502 that says why.
            return [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
        }
    }

    /// <summary>
    /// The host is stopping: the layer serving closes when idle or after its exchange, and a layer that starts later
    /// starts drained.
    /// </summary>
    public void Drain()
    {
        IProtocolLayer? active;
        lock (_gate)
        {
            _draining = true;
            active = _active;
        }

        active?.Drain();
    }

    /// <summary>What follows an interception attempt: the decrypted requests, the bytes relayed unchanged, or nothing.</summary>
    private async Task ServeInterceptedAsync(TlsOutcome outcome, ClientChannel channel, RequestOrigin origin, CancellationToken stop)
    {
        switch (outcome.Kind)
        {
            case TlsOutcomeKind.Decrypted:
                await using (var decrypted = outcome.Decrypted!)
                {
                    await ServeDecryptedAsync(decrypted, origin, stop).ConfigureAwait(false);
                }

                break;
            case TlsOutcomeKind.Passthrough:
                await tunnels.RunAsync(client, channel, origin.Host, origin.Port, asFlow: false, settings, stop).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>Serves a decrypted channel with the protocol TLS negotiated.</summary>
    private Task ServeDecryptedAsync(ClientChannel decrypted, RequestOrigin origin, CancellationToken stop) =>
        RunLayerAsync(decrypted.Alpn == "h2" ? new Http2ServerConnection(this, settings.Http2Limits) : new Http1ServerConnection(this), decrypted, origin, stop);

    private Task RunLayerAsync(IProtocolLayer layer, ClientChannel channel, RequestOrigin origin, CancellationToken stop)
    {
        bool draining;
        lock (_gate)
        {
            _active = layer;
            draining = _draining;
        }

        if (draining)
        {
            layer.Drain();
        }

        return layer.ServeAsync(channel, origin, stop);
    }

    /// <summary>The client's first byte, left unread; null when it closed, or sent nothing within <paramref name="timeout"/>.</summary>
    private static async Task<byte?> PeekAsync(PipeReader reader, CancellationToken stop, TimeSpan? timeout = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (timeout is { } t && t > TimeSpan.Zero && t != Timeout.InfiniteTimeSpan)
        {
            limit.CancelAfter(t);
        }

        ReadResult result;
        try
        {
            result = await reader.ReadAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return null;
        }

        if (result.Buffer.IsEmpty)
        {
            reader.AdvanceTo(result.Buffer.Start);
            return null;
        }

        var first = result.Buffer.FirstSpan[0];
        reader.AdvanceTo(result.Buffer.Start);
        return first;
    }

    /// <summary>
    /// Whether the client starts with HTTP/2's connection preface (h2c with prior knowledge, RFC 9113 section 3.3);
    /// nothing is consumed. Null when the client sent nothing within the client timeout: the connection closes quietly,
    /// as an idle HTTP/1 one does.
    /// </summary>
    private async Task<bool?> StartsWithHttp2PrefaceAsync(PipeReader reader, CancellationToken stop)
    {
        if (!settings.Http2)
        {
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(settings.ClientTimeout);
        var seen = false;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(timeout.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                seen = !buffer.IsEmpty;
                var status = Http2FrameReader.TryReadPreface(ref buffer);
                if (status != Http2PrefaceStatus.Incomplete || result.IsCompleted)
                {
                    reader.AdvanceTo(result.Buffer.Start);
                    return status == Http2PrefaceStatus.Valid;
                }

                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            // Part of a head is the HTTP/1 layer's to answer (408); silence closes the connection.
            return seen ? false : null;
        }
    }

    private static bool IsHttpMethodStart(byte b) => b is >= (byte)'A' and <= (byte)'Z';
}
