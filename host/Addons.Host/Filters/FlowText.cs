using System.Globalization;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary>
/// The texts filters match, read or written into spans without allocating (unlike <see cref="HttpRequest.Url"/> and
/// <see cref="HttpRequest.PrettyHost"/>).
/// </summary>
internal static class FlowText
{
    /// <summary>The first non-empty value of the field <paramref name="name"/>, if any.</summary>
    public static bool TryGetHeader(HttpHeaders headers, string name, out ReadOnlySpan<char> value)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            var field = headers[i];
            if (field.Value.Length > 0 && string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = field.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Whether a field is named Content-Type, in any ASCII case (mitmproxy compares <c>name.lower()</c>).</summary>
    public static bool IsContentType(string name) => Ascii.EqualsIgnoreCase(name, "Content-Type");

    /// <summary>Appends the header block as on the wire: <c>name: value\r\n</c> per field.</summary>
    public static void AppendHeaderBlock(HttpHeaders headers, ref PooledTextBuilder text)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            var field = headers[i];
            text.Append(field.Name);
            text.Append(": ");
            text.Append(field.Value);
            text.Append("\r\n");
        }
    }

    /// <summary>Appends <c>host:port</c>, without brackets around an IPv6 host (as mitmproxy formats addresses for ~src and ~dst).</summary>
    public static void AppendAddress(HostPort address, ref PooledTextBuilder text)
    {
        text.Append(address.Host);
        text.Append(':');
        text.Append(address.Port);
    }

    /// <summary>
    /// The authority the client named: for HTTP/2 its <c>:authority</c>, else the Host header, else the request's
    /// authority (the absolute-form target); <c>false</c> when there is none.
    /// </summary>
    public static bool TryGetClientAuthority(HttpRequest request, out ReadOnlySpan<char> authority)
    {
        // As mitmproxy's pretty_host: HTTP/2 names its server in :authority first, HTTP/1 in Host.
        if (request.IsHttp2 && request.Authority.Length > 0)
        {
            authority = request.Authority;
            return true;
        }

        if (TryGetHeader(request.Headers, "Host", out authority))
        {
            return true;
        }

        authority = request.Authority;
        return authority.Length > 0;
    }

    /// <summary>
    /// The URL as the client saw it (see <see cref="AppendPrettyUrl"/>) as a new string, or <c>null</c> when it is the
    /// same text as <paramref name="url"/> (the usual case), which then costs no allocation.
    /// </summary>
    public static string? PrettyUrlUnlessSame(HttpRequest request, string url)
    {
        var pretty = new PooledTextBuilder(stackalloc char[256]);
        try
        {
            AppendPrettyUrl(request, ref pretty);
            return pretty.Text.SequenceEqual(url) ? null : pretty.Text.ToString();
        }
        finally
        {
            pretty.Dispose();
        }
    }

    /// <summary>
    /// Appends the URL as the client saw it: for CONNECT the authority; otherwise scheme, the host and port the client
    /// named (the default port when it named none; left out when it is the scheme's default) and the path.
    /// </summary>
    public static void AppendPrettyUrl(HttpRequest request, ref PooledTextBuilder text)
    {
        if (request.Authority.Length > 0 && string.Equals(request.Method, "CONNECT", StringComparison.OrdinalIgnoreCase))
        {
            text.Append(request.Authority);
            return;
        }

        var defaultPort = DefaultPort(request.Scheme);
        ReadOnlySpan<char> host;
        int port;
        if (TryGetClientAuthority(request, out var authority))
        {
            SplitAuthority(authority, out host, out port);
            if (port < 0)
            {
                port = defaultPort > 0 ? defaultPort : 443;
            }
        }
        else
        {
            host = request.Host;
            port = request.Port;
        }

        text.Append(request.Scheme);
        text.Append("://");
        if (host.Contains(':'))
        {
            text.Append('[');
            text.Append(host);
            text.Append(']');
        }
        else
        {
            text.Append(host);
        }

        if (port != defaultPort)
        {
            text.Append(':');
            text.Append(port);
        }

        text.Append(request.Path);
    }

    /// <summary>
    /// Splits <c>host[:port]</c> or <c>[ipv6][:port]</c>. <paramref name="port"/> is -1 when there is none. An authority
    /// that is neither form (a bad port, an unbracketed IPv6 address) is all host, as mitmproxy's lenient parse has it.
    /// </summary>
    public static void SplitAuthority(ReadOnlySpan<char> authority, out ReadOnlySpan<char> host, out int port)
    {
        ReadOnlySpan<char> rest;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            host = close > 1 ? authority[1..close] : [];
            rest = close > 1 ? authority[(close + 1)..] : [];
        }
        else
        {
            var colon = authority.IndexOf(':');
            host = colon < 0 ? authority : authority[..colon];
            rest = colon < 0 ? [] : authority[colon..];
        }

        port = -1;
        var valid = !host.IsEmpty;
        if (valid && !rest.IsEmpty)
        {
            valid = rest.Length > 1
                && rest[0] == ':'
                && int.TryParse(rest[1..], NumberStyles.None, CultureInfo.InvariantCulture, out port)
                && port <= 65535;
        }

        if (!valid)
        {
            host = authority;
            port = -1;
        }
    }

    private static int DefaultPort(string scheme) => scheme switch
    {
        "http" => 80,
        "https" => 443,
        _ => -1,
    };
}
