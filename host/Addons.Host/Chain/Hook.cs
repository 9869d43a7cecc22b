namespace Addons.Host.Chain;

/// <summary>Every hook the chain delivers, in the order of <see cref="HookTable.All"/>.</summary>
internal enum Hook
{
    Configure,
    Running,
    Done,
    ClientConnected,
    ClientDisconnected,
    ServerConnect,
    ServerConnected,
    ServerDisconnected,
    RequestHeaders,
    Request,
    ResponseHeaders,
    Response,
    Error,
    HttpConnect,
    TlsClientHello,
    TlsEstablished,
    TlsFailed,
    WebSocketStart,
    WebSocketMessage,
    WebSocketEnd,
    // TCP's and UDP's four hooks each in this order: start, message, end, error (the injector counts on it).
    TcpStart,
    TcpMessage,
    TcpEnd,
    TcpError,
    UdpStart,
    UdpMessage,
    UdpEnd,
    UdpError,
    DnsRequest,
    DnsResponse,
    DnsError,
    Update,
}
