using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Hooks;

/// <summary>
/// The context of <c>tls_established</c> and <c>tls_failed</c>, for either side. On failure the connection's
/// <see cref="Connection.Error"/> says why.
/// </summary>
public sealed class TlsContext(ClientConnection client, ServerConnection server, bool isClientSide, CancellationToken cancellationToken)
    : HookContext(cancellationToken)
{
    /// <summary>The client connection.</summary>
    public ClientConnection Client { get; } = client;

    /// <summary>The server connection.</summary>
    public ServerConnection Server { get; } = server;

    /// <summary>Whether the handshake was with the client (otherwise with the server).</summary>
    public bool IsClientSide { get; } = isClientSide;

    /// <summary>The side whose handshake this is.</summary>
    public Connection Connection => IsClientSide ? Client : Server;
}
