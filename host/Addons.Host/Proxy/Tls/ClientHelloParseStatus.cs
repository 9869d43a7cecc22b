namespace Addons.Host.Proxy.Tls;

/// <summary>What <see cref="ClientHelloParser.TryParse"/> made of the bytes a client sent first.</summary>
internal enum ClientHelloParseStatus
{
    /// <summary>A complete ClientHello was read.</summary>
    Success,

    /// <summary>The bytes so far are the start of a ClientHello; read more and try again with all of them.</summary>
    NeedMoreData,

    /// <summary>The client is not speaking TLS (for example, plain HTTP after CONNECT).</summary>
    NotTls,

    /// <summary>The client started a TLS handshake but its ClientHello is malformed or larger than 64 KiB.</summary>
    Invalid,
}
