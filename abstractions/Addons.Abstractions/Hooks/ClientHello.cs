namespace Addons.Abstractions.Hooks;

/// <summary>What a TLS ClientHello said.</summary>
public sealed record ClientHello
{
    /// <summary>The server name indication, if sent.</summary>
    public required string? Sni { get; init; }

    /// <summary>The application protocols offered, in order.</summary>
    public required IReadOnlyList<string> AlpnProtocols { get; init; }

    /// <summary>The cipher suites offered, as IANA numbers.</summary>
    public required IReadOnlyList<int> CipherSuites { get; init; }
}
