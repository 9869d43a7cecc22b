namespace Addons.Host.Proxy;

/// <summary>The server origin-form requests on a connection go to.</summary>
internal sealed record RequestOrigin(OriginKind Kind, string Scheme, string Host, int Port)
{
    public static readonly RequestOrigin Forward = new(OriginKind.Forward, "http", "", 0);

    /// <summary>host:port as a Host header writes it (the port left out when it is the scheme's default).</summary>
    public string Authority => FormatAuthority(Scheme, Host, Port);

    /// <summary>host[:port] with IPv6 literals bracketed and the scheme's default port left out.</summary>
    public static string FormatAuthority(string scheme, string host, int port)
    {
        var bracketed = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        var defaultPort = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
        return defaultPort ? bracketed : $"{bracketed}:{port}";
    }

    public static RequestOrigin Tunnel(string scheme, string host, int port) => new(OriginKind.Tunnel, scheme, host, port);

    public static RequestOrigin Reverse(Uri upstream) => new(OriginKind.Reverse, upstream.Scheme, upstream.IdnHost.Trim('[', ']'), upstream.Port);
}
