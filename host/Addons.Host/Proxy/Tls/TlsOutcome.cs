namespace Addons.Host.Proxy.Tls;

/// <summary>
/// How an interception attempt ended: the traffic is to be relayed as it is, the handshake failed (and
/// <c>tls_failed</c> was delivered), or the client's side is decrypted and ready to serve.
/// </summary>
internal sealed class TlsOutcome
{
    private TlsOutcome(TlsOutcomeKind kind, ClientChannel? decrypted)
    {
        Kind = kind;
        Decrypted = decrypted;
    }

    public static TlsOutcome Passthrough { get; } = new(TlsOutcomeKind.Passthrough, null);

    public static TlsOutcome Failed { get; } = new(TlsOutcomeKind.Failed, null);

    public TlsOutcomeKind Kind { get; }

    /// <summary>The decrypted channel, owned by the caller from here on; set when <see cref="Kind"/> is Decrypted.</summary>
    public ClientChannel? Decrypted { get; }

    public static TlsOutcome Intercepted(ClientChannel decrypted) => new(TlsOutcomeKind.Decrypted, decrypted);
}
