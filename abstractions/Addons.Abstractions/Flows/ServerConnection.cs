namespace Addons.Abstractions.Flows;

/// <summary>The connection between the proxy and the server.</summary>
public sealed class ServerConnection : Connection
{
    /// <summary>The address the client asked for; addons may change it before <c>server_connect</c> completes.</summary>
    public HostPort? Address { get; set; }

    /// <summary>When the TCP handshake completed.</summary>
    public DateTimeOffset? TimestampTcpSetup { get; set; }

    /// <summary>The upstream proxy this connection goes through, if any.</summary>
    public string? Via { get; set; }

    /// <summary>A deep copy of this connection (with the same id).</summary>
    public ServerConnection Clone()
    {
        var copy = new ServerConnection { Address = Address, TimestampTcpSetup = TimestampTcpSetup, Via = Via };
        CopyTo(copy);
        return copy;
    }
}
