using Addons.Abstractions.Hooks;

namespace Addons.Abstractions;

/// <summary>
/// The base of every addon. Override only the hooks you need; the host calls an addon only for the hooks it overrides.
/// Hooks run one addon at a time in the configured chain order. An exception thrown by a hook is logged with the
/// addon's name and the next addon still runs; call <see cref="HookContext.Halt"/> to stop an event on purpose.
/// </summary>
/// <remarks>
/// The order of events: <see cref="Load"/> (declare options and commands), <see cref="ConfigureAsync"/> with every
/// option, <see cref="RunningAsync"/> once everything is up, then connection and flow hooks, each flow hook followed
/// by <see cref="UpdateAsync"/>, and finally <see cref="DoneAsync"/> in reverse chain order when the host stops.
/// </remarks>
public abstract class Addon
{
    /// <summary>
    /// The addon's unique name, used in logs, option ownership and command prefixes. Defaults to the class name without
    /// an "Addon" suffix, in lower case (<c>ViewAddon</c> is <c>view</c>).
    /// </summary>
    public virtual string Name
    {
        get
        {
            var name = GetType().Name;
            if (name.EndsWith("Addon", StringComparison.Ordinal) && name.Length > "Addon".Length)
            {
                name = name[..^"Addon".Length];
            }

            return name.ToLowerInvariant();
        }
    }

    /// <summary><c>load</c>: declare options and commands, subscribe to the event bus. Runs once, before any other hook.</summary>
    public virtual void Load(IAddonLoader loader)
    {
    }

    /// <summary><c>configure</c>: options changed (at start, all of them). Reject a change with <see cref="ConfigureContext.Reject"/>.</summary>
    public virtual ValueTask ConfigureAsync(ConfigureContext context) => default;

    /// <summary><c>running</c>: every addon is loaded and configured and the proxy is up.</summary>
    public virtual ValueTask RunningAsync(LifecycleContext context) => default;

    /// <summary><c>done</c>: the addon is being removed or the host is stopping; the last hook it sees.</summary>
    public virtual ValueTask DoneAsync(LifecycleContext context) => default;

    /// <summary><c>client_connected</c>: a client connected to the proxy.</summary>
    public virtual ValueTask ClientConnectedAsync(ClientConnectionContext context) => default;

    /// <summary><c>client_disconnected</c>: a client connection closed.</summary>
    public virtual ValueTask ClientDisconnectedAsync(ClientConnectionContext context) => default;

    /// <summary><c>server_connect</c>: the proxy is about to connect upstream; set the server's Error to abort.</summary>
    public virtual ValueTask ServerConnectAsync(ServerConnectionContext context) => default;

    /// <summary><c>server_connected</c>: the proxy connected upstream.</summary>
    public virtual ValueTask ServerConnectedAsync(ServerConnectionContext context) => default;

    /// <summary><c>server_disconnected</c>: an upstream connection closed.</summary>
    public virtual ValueTask ServerDisconnectedAsync(ServerConnectionContext context) => default;

    /// <summary><c>requestheaders</c>: the request line and headers were read; the body has not been.</summary>
    public virtual ValueTask RequestHeadersAsync(HttpFlowContext context) => default;

    /// <summary><c>request</c>: the whole request was read. Set a response to answer it without the server.</summary>
    public virtual ValueTask RequestAsync(HttpFlowContext context) => default;

    /// <summary><c>responseheaders</c>: the response status line and headers were read; the body has not been.</summary>
    public virtual ValueTask ResponseHeadersAsync(HttpFlowContext context) => default;

    /// <summary><c>response</c>: the whole response was read; changes reach the client.</summary>
    public virtual ValueTask ResponseAsync(HttpFlowContext context) => default;

    /// <summary><c>error</c>: the flow failed. Each flow ends in exactly one of <c>response</c> or <c>error</c>.</summary>
    public virtual ValueTask ErrorAsync(HttpFlowContext context) => default;

    /// <summary><c>http_connect</c>: a CONNECT request arrived; set a non-2xx response to refuse the tunnel.</summary>
    public virtual ValueTask HttpConnectAsync(HttpFlowContext context) => default;

    /// <summary><c>tls_clienthello</c>: a ClientHello was read; decide whether to intercept.</summary>
    public virtual ValueTask TlsClientHelloAsync(TlsClientHelloContext context) => default;

    /// <summary><c>tls_established</c>: a TLS handshake with the client or the server completed.</summary>
    public virtual ValueTask TlsEstablishedAsync(TlsContext context) => default;

    /// <summary><c>tls_failed</c>: a TLS handshake with the client or the server failed.</summary>
    public virtual ValueTask TlsFailedAsync(TlsContext context) => default;

    /// <summary><c>websocket_start</c>: a WebSocket began after the HTTP 101 response.</summary>
    public virtual ValueTask WebSocketStartAsync(HttpFlowContext context) => default;

    /// <summary><c>websocket_message</c>: a message arrived; it is the last of the flow's WebSocket messages.</summary>
    public virtual ValueTask WebSocketMessageAsync(HttpFlowContext context) => default;

    /// <summary><c>websocket_end</c>: the WebSocket ended.</summary>
    public virtual ValueTask WebSocketEndAsync(HttpFlowContext context) => default;

    /// <summary><c>tcp_start</c>: a TCP connection is passed through as a flow (contract 1.3).</summary>
    public virtual ValueTask TcpStartAsync(TcpFlowContext context) => default;

    /// <summary><c>tcp_message</c>: a message arrived; it is the last of the flow's messages (contract 1.3).</summary>
    public virtual ValueTask TcpMessageAsync(TcpFlowContext context) => default;

    /// <summary><c>tcp_end</c>: the TCP connection ended (contract 1.3).</summary>
    public virtual ValueTask TcpEndAsync(TcpFlowContext context) => default;

    /// <summary><c>tcp_error</c>: the TCP connection failed; the flow's error says why (contract 1.3).</summary>
    public virtual ValueTask TcpErrorAsync(TcpFlowContext context) => default;

    /// <summary><c>udp_start</c>: a UDP exchange is passed through as a flow (contract 1.3).</summary>
    public virtual ValueTask UdpStartAsync(UdpFlowContext context) => default;

    /// <summary><c>udp_message</c>: a datagram arrived; it is the last of the flow's messages (contract 1.3).</summary>
    public virtual ValueTask UdpMessageAsync(UdpFlowContext context) => default;

    /// <summary><c>udp_end</c>: the UDP exchange ended (contract 1.3).</summary>
    public virtual ValueTask UdpEndAsync(UdpFlowContext context) => default;

    /// <summary><c>udp_error</c>: the UDP exchange failed; the flow's error says why (contract 1.3).</summary>
    public virtual ValueTask UdpErrorAsync(UdpFlowContext context) => default;

    /// <summary><c>dns_request</c>: a DNS query arrived (contract 1.3).</summary>
    public virtual ValueTask DnsRequestAsync(DnsFlowContext context) => default;

    /// <summary><c>dns_response</c>: the answer to a DNS query arrived (contract 1.3).</summary>
    public virtual ValueTask DnsResponseAsync(DnsFlowContext context) => default;

    /// <summary><c>dns_error</c>: a DNS query failed; the flow's error says why (contract 1.3).</summary>
    public virtual ValueTask DnsErrorAsync(DnsFlowContext context) => default;

    /// <summary><c>update</c>: flows changed.</summary>
    public virtual ValueTask UpdateAsync(UpdateContext context) => default;
}
