using System.IO.Pipelines;
using Addons.Abstractions.Flows;
using Addons.Host.Chain;
using Addons.Host.Diagnostics;
using Addons.Host.Proxy.Http1;
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
    Http1UpstreamExchange upstream,
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

    public Http1UpstreamExchange Upstream => upstream;

    public HostMetrics Metrics => metrics;

    public ILogger Logger => logger;

    /// <summary>Serves a connection from its start (plain, or reverse mode).</summary>
    public Task ServeAsync(ClientChannel channel, RequestOrigin origin, CancellationToken stop) =>
        RunLayerAsync(new Http1ServerConnection(this), channel, origin, stop);

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
            var outcome = await tls.InterceptAsync(client, channel, host, port, settings, stop).ConfigureAwait(false);
            switch (outcome.Kind)
            {
                case TlsOutcomeKind.Decrypted:
                    await using (var decrypted = outcome.Decrypted!)
                    {
                        await ServeDecryptedAsync(decrypted, RequestOrigin.Tunnel("https", host, port), stop).ConfigureAwait(false);
                    }

                    return;
                case TlsOutcomeKind.Passthrough:
                    await tunnels.RunAsync(client, channel, host, port, asFlow: false, settings, stop).ConfigureAwait(false);
                    return;
                default:
                    return;
            }
        }

        if (first != 0x16 && !ignored && IsHttpMethodStart(first.Value))
        {
            await RunLayerAsync(new Http1ServerConnection(this), channel, RequestOrigin.Tunnel("http", host, port), stop).ConfigureAwait(false);
            return;
        }

        // Ignored hosts pass through unseen; other traffic the proxy does not understand is a TCP flow, as in mitmproxy.
        await tunnels.RunAsync(client, channel, host, port, asFlow: !ignored, settings, stop).ConfigureAwait(false);
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

    /// <summary>Serves a decrypted channel with the protocol TLS negotiated.</summary>
    private Task ServeDecryptedAsync(ClientChannel decrypted, RequestOrigin origin, CancellationToken stop) =>
        RunLayerAsync(new Http1ServerConnection(this), decrypted, origin, stop);

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

    private static async Task<byte?> PeekAsync(PipeReader reader, CancellationToken stop)
    {
        var result = await reader.ReadAsync(stop).ConfigureAwait(false);
        if (result.Buffer.IsEmpty)
        {
            reader.AdvanceTo(result.Buffer.Start);
            return null;
        }

        var first = result.Buffer.FirstSpan[0];
        reader.AdvanceTo(result.Buffer.Start);
        return first;
    }

    private static bool IsHttpMethodStart(byte b) => b is >= (byte)'A' and <= (byte)'Z';
}
