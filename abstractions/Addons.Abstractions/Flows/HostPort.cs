namespace Addons.Abstractions.Flows;

/// <summary>A host name or IP address with a port.</summary>
/// <param name="Host">The host name or IP address literal (IPv6 without brackets).</param>
/// <param name="Port">The TCP or UDP port.</param>
public readonly record struct HostPort(string Host, int Port)
{
    /// <summary>Formats as <c>host:port</c>, bracketing IPv6 literals.</summary>
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
