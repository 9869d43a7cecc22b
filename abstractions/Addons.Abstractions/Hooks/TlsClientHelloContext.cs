using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Hooks;

/// <summary>The context of <c>tls_clienthello</c>: the proxy has read a ClientHello and not answered it yet.</summary>
public sealed class TlsClientHelloContext(ClientConnection client, ServerConnection server, ClientHello clientHello, CancellationToken cancellationToken)
    : HookContext(cancellationToken)
{
    /// <summary>The client connection.</summary>
    public ClientConnection Client { get; } = client;

    /// <summary>The server connection the traffic is meant for.</summary>
    public ServerConnection Server { get; } = server;

    /// <summary>What the client offered.</summary>
    public ClientHello ClientHello { get; } = clientHello;

    /// <summary>Set to pass the connection through as raw bytes, without interception.</summary>
    public bool IgnoreConnection { get; set; }

    /// <summary>Set to complete TLS with the server before answering the client (to mirror the server's certificate or ALPN).</summary>
    public bool EstablishServerTlsFirst { get; set; }
}
