namespace Addons.Abstractions.Flows;

/// <summary>The connection between the client and the proxy.</summary>
public sealed class ClientConnection : Connection
{
    /// <summary>The certificate the proxy presented to the client (DER), when it intercepted TLS.</summary>
    public byte[]? MitmCertificate { get; set; }

    /// <summary>The proxy mode that accepted this client, such as <c>regular</c> or <c>reverse:https://example.com</c>.</summary>
    public string ProxyMode { get; set; } = "regular";

    /// <summary>A deep copy of this connection (with the same id).</summary>
    public ClientConnection Clone()
    {
        var copy = new ClientConnection { MitmCertificate = MitmCertificate?.ToArray(), ProxyMode = ProxyMode };
        CopyTo(copy);
        return copy;
    }
}
