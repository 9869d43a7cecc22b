using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Hooks;

/// <summary>
/// The context of <c>client_connected</c> and <c>client_disconnected</c>. Setting <see cref="Connection.Error"/> on
/// the client in <c>client_connected</c> closes the connection.
/// </summary>
public sealed class ClientConnectionContext(ClientConnection client, CancellationToken cancellationToken)
    : HookContext(cancellationToken)
{
    /// <summary>The client connection.</summary>
    public ClientConnection Client { get; } = client;
}
