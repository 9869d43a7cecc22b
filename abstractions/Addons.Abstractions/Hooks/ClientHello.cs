namespace Addons.Abstractions.Hooks;

/// <summary>What a TLS ClientHello said.</summary>
/// <param name="Sni">The server name indication, if sent.</param>
/// <param name="AlpnProtocols">The application protocols offered, in order.</param>
/// <param name="CipherSuites">The cipher suites offered, as IANA numbers.</param>
public sealed record ClientHello(string? Sni, IReadOnlyList<string> AlpnProtocols, IReadOnlyList<int> CipherSuites);
