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
    Update,
}
