namespace Addons.Host.Proxy.Upstream;

/// <summary>What makes two upstream connections interchangeable: scheme, host, port and (for TLS) the server name sent.</summary>
internal readonly record struct UpstreamKey(string Scheme, string Host, int Port, string? Sni = null)
{
    public bool IsTls => Scheme == "https";

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
