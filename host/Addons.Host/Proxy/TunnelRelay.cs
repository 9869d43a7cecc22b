using Addons.Abstractions.Flows;
using Addons.Host.Chain;
using Addons.Host.Proxy.Upstream;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Proxy;

/// <summary>
/// Relays a tunnel's bytes to its target: unchanged and unseen for ignored hosts, or, for traffic the proxy does not
/// understand, as a TCP flow whose messages go through the addons (mitmproxy's TCP layer).
/// </summary>
internal sealed partial class TunnelRelay(AddonChain chain, UpstreamPool pool, UpstreamConnector connector, ILogger logger)
{
    public async Task RunAsync(ClientConnection client, ClientChannel channel, string host, int port, bool asFlow, ProxySettings settings, CancellationToken stop)
    {
        UpstreamConnection connection;
        try
        {
            connection = await connector.ConnectAsync(new UpstreamKey("tcp", host, port), client, settings, stop).ConfigureAwait(false);
        }
        catch (UpstreamException ex)
        {
            LogTunnelFailed(logger, $"{host}:{port}", ex.Message);
            return;
        }

        try
        {
            if (asFlow)
            {
                var flow = new TcpFlow { Client = client, Server = connection.Model };
                await new TcpFlowRelay(chain, flow).RunAsync(channel.Reader, channel.Stream, connection.Reader, connection.Stream, stop).ConfigureAwait(false);
            }
            else
            {
                await Relay.RunAsync(channel.Reader, channel.Stream, connection.Reader, connection.Stream, stop).ConfigureAwait(false);
            }
        }
        finally
        {
            await pool.CloseAsync(connection).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Tunnel to {Target} failed: {Reason}")]
    private static partial void LogTunnelFailed(ILogger logger, string target, string reason);
}
