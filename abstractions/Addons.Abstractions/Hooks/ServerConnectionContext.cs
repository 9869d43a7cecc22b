using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Hooks;

/// <summary>
/// The context of <c>server_connect</c>, <c>server_connected</c> and <c>server_disconnected</c>. Setting
/// <see cref="Connection.Error"/> on the server in <c>server_connect</c> aborts the connection attempt.
/// </summary>
public sealed class ServerConnectionContext(ClientConnection client, ServerConnection server, CancellationToken cancellationToken)
    : HookContext(cancellationToken)
{
    /// <summary>The client whose traffic needs the server.</summary>
    public ClientConnection Client { get; } = client;

    /// <summary>The server connection.</summary>
    public ServerConnection Server { get; } = server;
}
