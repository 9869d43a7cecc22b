namespace Addons.Host.Proxy;

/// <summary>The server origin-form requests on a connection go to.</summary>
internal sealed record RequestOrigin(OriginKind Kind, string Scheme, string Host, int Port)
{
    public static readonly RequestOrigin Forward = new(OriginKind.Forward, "http", "", 0);

    /// <summary>host:port as a Host header writes it (the port left out when it is the scheme's default).</summary>
    public string Authority
    {
        get
        {
            var host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
            var defaultPort = (Scheme == "http" && Port == 80) || (Scheme == "https" && Port == 443);
            return defaultPort ? host : $"{host}:{Port}";
        }
    }

    public static RequestOrigin Tunnel(string scheme, string host, int port) => new(OriginKind.Tunnel, scheme, host, port);

    public static RequestOrigin Reverse(Uri upstream) => new(OriginKind.Reverse, upstream.Scheme, upstream.IdnHost.Trim('[', ']'), upstream.Port);
}
