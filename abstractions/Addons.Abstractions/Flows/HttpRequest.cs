using System.Globalization;

namespace Addons.Abstractions.Flows;

/// <summary>An HTTP request as the client sent it (or as addons changed it before it goes upstream).</summary>
public sealed class HttpRequest : HttpMessage
{
    /// <summary>The method, such as <c>GET</c>, with its original case.</summary>
    public string Method { get; set; } = "GET";

    /// <summary>The scheme, <c>http</c> or <c>https</c>.</summary>
    public string Scheme { get; set; } = "http";

    /// <summary>The authority from the request target or CONNECT line (<c>host:port</c>), empty for origin-form requests.</summary>
    public string Authority { get; set; } = "";

    /// <summary>The host the request is sent to.</summary>
    public string Host { get; set; } = "";

    /// <summary>The port the request is sent to.</summary>
    public int Port { get; set; } = 80;

    /// <summary>The path and query, such as <c>/index.html?a=1</c> (<c>*</c> for server-wide OPTIONS).</summary>
    public string Path { get; set; } = "/";

    /// <summary>The full URL built from scheme, host, port and path; the default port is left out.</summary>
    public string Url
    {
        get
        {
            var host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
            var defaultPort = (Scheme == "https" && Port == 443) || (Scheme == "http" && Port == 80);
            return defaultPort
                ? $"{Scheme}://{host}{Path}"
                : string.Create(CultureInfo.InvariantCulture, $"{Scheme}://{host}:{Port}{Path}");
        }
    }

    /// <summary>The host the client meant: for HTTP/2 its authority first, then the Host header, the authority, <see cref="Host"/>.</summary>
    public string PrettyHost
    {
        get
        {
            // As mitmproxy: HTTP/2 names its server in :authority first, HTTP/1 in Host.
            var header = IsHttp2 && !string.IsNullOrEmpty(Authority) ? Authority : Headers["Host"];
            var value = !string.IsNullOrEmpty(header) ? header : !string.IsNullOrEmpty(Authority) ? Authority : null;
            if (value is null)
            {
                return Host;
            }

            // Strip a port, but not the colons of a bracketed IPv6 literal.
            var close = value.LastIndexOf(']');
            var colon = value.LastIndexOf(':');
            return colon > close ? value[..colon] : value;
        }
    }

    /// <summary>A deep copy of this request.</summary>
    public HttpRequest Clone()
    {
        var copy = new HttpRequest
        {
            Method = Method,
            Scheme = Scheme,
            Authority = Authority,
            Host = Host,
            Port = Port,
            Path = Path,
        };
        CopyTo(copy);
        return copy;
    }
}
