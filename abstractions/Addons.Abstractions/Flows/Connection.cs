namespace Addons.Abstractions.Flows;

/// <summary>One side of a proxied connection: addresses, TLS details and timestamps.</summary>
public abstract class Connection
{
    /// <summary>A unique id of this connection.</summary>
    public Guid Id { get; set; } = RandomIds.Next();

    /// <summary>The remote address of this connection.</summary>
    public HostPort? PeerName { get; set; }

    /// <summary>The local address of this connection.</summary>
    public HostPort? SockName { get; set; }

    /// <summary>The transport, <c>tcp</c> or <c>udp</c>.</summary>
    public string TransportProtocol { get; set; } = "tcp";

    /// <summary>
    /// Why the connection failed or was closed by the proxy. An addon that sets it during a connection hook
    /// (<c>client_connected</c>, <c>server_connect</c>) makes the proxy close or refuse the connection.
    /// </summary>
    public string? Error { get; set; }

    /// <summary>Whether TLS was established on this connection.</summary>
    public bool TlsEstablished { get; set; }

    /// <summary>The TLS version, such as <c>TLSv1.3</c>, when TLS was established.</summary>
    public string? TlsVersion { get; set; }

    /// <summary>The server name indication the client sent.</summary>
    public string? Sni { get; set; }

    /// <summary>The negotiated application protocol (ALPN), such as <c>http/1.1</c>.</summary>
    public string? Alpn { get; set; }

    /// <summary>The application protocols the client offered.</summary>
    public IList<string> AlpnOffers { get; set; } = [];

    /// <summary>The negotiated cipher suite.</summary>
    public string? Cipher { get; set; }

    /// <summary>The cipher suites offered.</summary>
    public IList<string> CipherList { get; set; } = [];

    /// <summary>The peer's certificate chain, leaf first, DER-encoded.</summary>
    public IList<byte[]> CertificateChain { get; set; } = [];

    /// <summary>When the connection was opened (or the DNS lookup for it began).</summary>
    public DateTimeOffset? TimestampStart { get; set; }

    /// <summary>When the TLS handshake completed.</summary>
    public DateTimeOffset? TimestampTlsSetup { get; set; }

    /// <summary>When the connection was closed.</summary>
    public DateTimeOffset? TimestampEnd { get; set; }

    /// <summary>Copies every field of this connection into <paramref name="target"/>, cloning mutable parts.</summary>
    protected void CopyTo(Connection target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Id = Id;
        target.PeerName = PeerName;
        target.SockName = SockName;
        target.TransportProtocol = TransportProtocol;
        target.Error = Error;
        target.TlsEstablished = TlsEstablished;
        target.TlsVersion = TlsVersion;
        target.Sni = Sni;
        target.Alpn = Alpn;
        target.AlpnOffers = [.. AlpnOffers];
        target.Cipher = Cipher;
        target.CipherList = [.. CipherList];
        target.CertificateChain = [.. CertificateChain.Select(c => c.ToArray())];
        target.TimestampStart = TimestampStart;
        target.TimestampTlsSetup = TimestampTlsSetup;
        target.TimestampEnd = TimestampEnd;
    }
}
