using System.Globalization;

namespace Addons.Abstractions.Flows;

/// <summary>
/// The URL and host the client named (its Host header, else the request's authority), for <see cref="FlowSummary.Of"/>.
/// The host's filter engine reads the same from a flow for <c>~u</c> and <c>~d</c>; its summary tests check that the two
/// agree, since a filter must decide a summary as it decides the flow. Allocates only a URL that differs from
/// <see cref="HttpRequest.Url"/>.
/// </summary>
internal static class ClientUrl
{
    /// <summary>
    /// The URL as the client saw it: for CONNECT the authority; otherwise the scheme, the host and port the client named
    /// (the default port when it named none; left out when it is the scheme's default) and the path. <c>null</c> when it
    /// is the same text as <paramref name="url"/> (the usual case).
    /// </summary>
    public static string? PrettyUnlessSame(HttpRequest request, string url)
    {
        if (request.Authority.Length > 0 && string.Equals(request.Method, "CONNECT", StringComparison.OrdinalIgnoreCase))
        {
            return request.Authority == url ? null : request.Authority;
        }

        var defaultPort = DefaultPort(request.Scheme);
        ReadOnlySpan<char> host;
        int port;
        if (TryGetAuthority(request, out var authority))
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

        var bracketed = host.Contains(':');
        Span<char> portText = stackalloc char[11];
        var portLength = 0;
        if (port != defaultPort)
        {
            portText[0] = ':';
            port.TryFormat(portText[1..], out portLength, provider: CultureInfo.InvariantCulture);
            portLength++;
        }

        ReadOnlySpan<char> portSuffix = portText[..portLength];
        var rest = url.AsSpan();
        if (Take(ref rest, request.Scheme) && Take(ref rest, "://") && (!bracketed || Take(ref rest, "["))
            && Take(ref rest, host) && (!bracketed || Take(ref rest, "]")) && Take(ref rest, portSuffix)
            && Take(ref rest, request.Path) && rest.IsEmpty)
        {
            return null;
        }

        return bracketed
            ? $"{request.Scheme}://[{host}]{portSuffix}{request.Path}"
            : $"{request.Scheme}://{host}{portSuffix}{request.Path}";
    }

    /// <summary>
    /// The authority the client named: for HTTP/2 its <c>:authority</c>, else the Host header, else the request's
    /// authority (as mitmproxy's pretty_host); <c>false</c> when there is none.
    /// </summary>
    public static bool TryGetAuthority(HttpRequest request, out ReadOnlySpan<char> authority)
    {
        if (request.IsHttp2 && request.Authority.Length > 0)
        {
            authority = request.Authority;
            return true;
        }

        var headers = request.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var field = headers[i];
            if (field.Value.Length > 0 && string.Equals(field.Name, "Host", StringComparison.OrdinalIgnoreCase))
            {
                authority = field.Value;
                return true;
            }
        }

        authority = request.Authority;
        return authority.Length > 0;
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

    private static bool Take(ref ReadOnlySpan<char> rest, scoped ReadOnlySpan<char> part)
    {
        if (!rest.StartsWith(part, StringComparison.Ordinal))
        {
            return false;
        }

        rest = rest[part.Length..];
        return true;
    }

    private static int DefaultPort(string scheme) => scheme switch
    {
        "http" => 80,
        "https" => 443,
        _ => -1,
    };
}
