using Addons.Abstractions.Hooks;

namespace Addons.Host.Chain;

/// <summary>The descriptor of every hook, indexed by <see cref="Hook"/>.</summary>
internal static class HookTable
{
    public static readonly HookDescriptor[] All =
    [
        new(Hook.Configure, "configure", "ConfigureAsync", typeof(ConfigureContext), static (a, c) => a.ConfigureAsync((ConfigureContext)c)),
        new(Hook.Running, "running", "RunningAsync", typeof(LifecycleContext), static (a, c) => a.RunningAsync((LifecycleContext)c)),
        new(Hook.Done, "done", "DoneAsync", typeof(LifecycleContext), static (a, c) => a.DoneAsync((LifecycleContext)c)),
        new(Hook.ClientConnected, "client_connected", "ClientConnectedAsync", typeof(ClientConnectionContext), static (a, c) => a.ClientConnectedAsync((ClientConnectionContext)c)),
        new(Hook.ClientDisconnected, "client_disconnected", "ClientDisconnectedAsync", typeof(ClientConnectionContext), static (a, c) => a.ClientDisconnectedAsync((ClientConnectionContext)c)),
        new(Hook.ServerConnect, "server_connect", "ServerConnectAsync", typeof(ServerConnectionContext), static (a, c) => a.ServerConnectAsync((ServerConnectionContext)c)),
        new(Hook.ServerConnected, "server_connected", "ServerConnectedAsync", typeof(ServerConnectionContext), static (a, c) => a.ServerConnectedAsync((ServerConnectionContext)c)),
        new(Hook.ServerDisconnected, "server_disconnected", "ServerDisconnectedAsync", typeof(ServerConnectionContext), static (a, c) => a.ServerDisconnectedAsync((ServerConnectionContext)c)),
        new(Hook.RequestHeaders, "requestheaders", "RequestHeadersAsync", typeof(HttpFlowContext), static (a, c) => a.RequestHeadersAsync((HttpFlowContext)c)),
        new(Hook.Request, "request", "RequestAsync", typeof(HttpFlowContext), static (a, c) => a.RequestAsync((HttpFlowContext)c)),
        new(Hook.ResponseHeaders, "responseheaders", "ResponseHeadersAsync", typeof(HttpFlowContext), static (a, c) => a.ResponseHeadersAsync((HttpFlowContext)c)),
        new(Hook.Response, "response", "ResponseAsync", typeof(HttpFlowContext), static (a, c) => a.ResponseAsync((HttpFlowContext)c)),
        new(Hook.Error, "error", "ErrorAsync", typeof(HttpFlowContext), static (a, c) => a.ErrorAsync((HttpFlowContext)c)),
        new(Hook.HttpConnect, "http_connect", "HttpConnectAsync", typeof(HttpFlowContext), static (a, c) => a.HttpConnectAsync((HttpFlowContext)c)),
        new(Hook.TlsClientHello, "tls_clienthello", "TlsClientHelloAsync", typeof(TlsClientHelloContext), static (a, c) => a.TlsClientHelloAsync((TlsClientHelloContext)c)),
        new(Hook.TlsEstablished, "tls_established", "TlsEstablishedAsync", typeof(TlsContext), static (a, c) => a.TlsEstablishedAsync((TlsContext)c)),
        new(Hook.TlsFailed, "tls_failed", "TlsFailedAsync", typeof(TlsContext), static (a, c) => a.TlsFailedAsync((TlsContext)c)),
        new(Hook.WebSocketStart, "websocket_start", "WebSocketStartAsync", typeof(HttpFlowContext), static (a, c) => a.WebSocketStartAsync((HttpFlowContext)c)),
        new(Hook.WebSocketMessage, "websocket_message", "WebSocketMessageAsync", typeof(HttpFlowContext), static (a, c) => a.WebSocketMessageAsync((HttpFlowContext)c)),
        new(Hook.WebSocketEnd, "websocket_end", "WebSocketEndAsync", typeof(HttpFlowContext), static (a, c) => a.WebSocketEndAsync((HttpFlowContext)c)),
        new(Hook.TcpStart, "tcp_start", "TcpStartAsync", typeof(TcpFlowContext), static (a, c) => a.TcpStartAsync((TcpFlowContext)c)),
        new(Hook.TcpMessage, "tcp_message", "TcpMessageAsync", typeof(TcpFlowContext), static (a, c) => a.TcpMessageAsync((TcpFlowContext)c)),
        new(Hook.TcpEnd, "tcp_end", "TcpEndAsync", typeof(TcpFlowContext), static (a, c) => a.TcpEndAsync((TcpFlowContext)c)),
        new(Hook.TcpError, "tcp_error", "TcpErrorAsync", typeof(TcpFlowContext), static (a, c) => a.TcpErrorAsync((TcpFlowContext)c)),
        new(Hook.UdpStart, "udp_start", "UdpStartAsync", typeof(UdpFlowContext), static (a, c) => a.UdpStartAsync((UdpFlowContext)c)),
        new(Hook.UdpMessage, "udp_message", "UdpMessageAsync", typeof(UdpFlowContext), static (a, c) => a.UdpMessageAsync((UdpFlowContext)c)),
        new(Hook.UdpEnd, "udp_end", "UdpEndAsync", typeof(UdpFlowContext), static (a, c) => a.UdpEndAsync((UdpFlowContext)c)),
        new(Hook.UdpError, "udp_error", "UdpErrorAsync", typeof(UdpFlowContext), static (a, c) => a.UdpErrorAsync((UdpFlowContext)c)),
        new(Hook.DnsRequest, "dns_request", "DnsRequestAsync", typeof(DnsFlowContext), static (a, c) => a.DnsRequestAsync((DnsFlowContext)c)),
        new(Hook.DnsResponse, "dns_response", "DnsResponseAsync", typeof(DnsFlowContext), static (a, c) => a.DnsResponseAsync((DnsFlowContext)c)),
        new(Hook.DnsError, "dns_error", "DnsErrorAsync", typeof(DnsFlowContext), static (a, c) => a.DnsErrorAsync((DnsFlowContext)c)),
        new(Hook.Update, "update", "UpdateAsync", typeof(UpdateContext), static (a, c) => a.UpdateAsync((UpdateContext)c)),
    ];

    public static HookDescriptor Get(Hook hook) => All[(int)hook];
}
