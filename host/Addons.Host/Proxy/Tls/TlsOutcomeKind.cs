namespace Addons.Host.Proxy.Tls;

/// <summary>The three ways a TLS interception attempt ends; see <see cref="TlsOutcome"/>.</summary>
internal enum TlsOutcomeKind
{
    /// <summary>Not a ClientHello, or <c>tls_clienthello</c> chose to ignore the connection: relay it unchanged.</summary>
    Passthrough,

    /// <summary>The handshake with the client failed; <c>tls_failed</c> has run and nothing is left to do.</summary>
    Failed,

    /// <summary>The client's side is decrypted.</summary>
    Decrypted,
}
