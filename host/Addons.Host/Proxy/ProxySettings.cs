using System.Net;
using System.Text.RegularExpressions;
using Addons.Host.Proxy.Http1;

namespace Addons.Host.Proxy;

/// <summary>The proxy's options after checking, as one immutable snapshot the engine reads per connection.</summary>
internal sealed record ProxySettings
{
    /// <summary>Whether the proxy listens at all (mitmproxy's <c>server</c> option; -n turns it off).</summary>
    public bool Server { get; init; } = true;

    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    public int ListenPort { get; init; } = 8080;

    public ProxyMode Mode { get; init; } = ProxyMode.Regular;

    /// <summary>Skip verifying upstream certificates (mitmproxy's ssl_insecure).</summary>
    public bool SslInsecure { get; init; }

    /// <summary>A PEM file of extra CA certificates to trust upstream.</summary>
    public string? UpstreamTrustedCa { get; init; }

    /// <summary>Hosts (host:port matched) tunneled without interception.</summary>
    public IReadOnlyList<Regex> IgnoreHosts { get; init; } = [];

    /// <summary>Bodies larger than this are streamed, not stored; null to buffer every body.</summary>
    public long? StreamLargeBodies { get; init; }

    /// <summary>How long a client may take to send a request head, or stay idle between requests.</summary>
    public TimeSpan ClientTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the server may take to connect or to send the next bytes of a response (then 504).</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether clients that offer HTTP/2 get it (mitmproxy's <c>http2</c> option).</summary>
    public bool Http2 { get; init; } = true;

    /// <summary>The HTTP/2 settings announced to clients and the bounds they are held to.</summary>
    public Http2.Http2Limits Http2Limits { get; init; } = new();

    /// <summary>Where the CA lives.</summary>
    public string ConfigDirectory { get; init; } = "";

    public HttpLimits Limits { get; init; } = new();

    public bool IsIgnored(string host, int port)
    {
        if (IgnoreHosts.Count == 0)
        {
            return false;
        }

        var address = $"{host}:{port}";
        return IgnoreHosts.Any(r => r.IsMatch(address));
    }
}
