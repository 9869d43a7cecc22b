using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Addons.Session.Storage.Protos;

/// <summary>
/// The fields 1-16 that flow.proto's ClientConnection and ServerConnection share (same names and numbers), so that
/// one reader serves both; the generated classes implement it with the properties they already have.
/// </summary>
internal interface IProtoConnection
{
    ByteString Id { get; }

    HostPort PeerName { get; }

    HostPort SockName { get; }

    string TransportProtocol { get; }

    bool HasError { get; }

    string Error { get; }

    bool TlsEstablished { get; }

    bool HasTlsVersion { get; }

    string TlsVersion { get; }

    bool HasSni { get; }

    string Sni { get; }

    bool HasAlpn { get; }

    string Alpn { get; }

    RepeatedField<string> AlpnOffers { get; }

    bool HasCipher { get; }

    string Cipher { get; }

    RepeatedField<string> CipherList { get; }

    RepeatedField<ByteString> CertificateChain { get; }

    bool HasTimestampStart { get; }

    long TimestampStart { get; }

    bool HasTimestampTlsSetup { get; }

    long TimestampTlsSetup { get; }

    bool HasTimestampEnd { get; }

    long TimestampEnd { get; }
}

/// <summary>The client side of a connection, as stored.</summary>
internal sealed partial class ClientConnection : IProtoConnection;

/// <summary>The server side of a connection, as stored.</summary>
internal sealed partial class ServerConnection : IProtoConnection;
