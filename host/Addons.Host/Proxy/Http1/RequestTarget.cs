namespace Addons.Host.Proxy.Http1;

/// <summary>
/// Where a request goes and the target to send there: the server from an absolute-form target, and the path and query
/// in origin form (RFC 9112 section 3.2).
/// </summary>
internal sealed record RequestTarget(string Scheme, string Host, int Port, string Authority, string PathAndQuery)
{
    /// <summary>
    /// Splits an absolute-form target (<c>http://host:port/path?query</c>) at the end of its authority, the first
    /// '/', '?' or '#', rather than at the first '/', which can be inside the query. An empty path is sent as "/"
    /// (RFC 9110 section 4.2.3), so <c>http://host?x=1</c> becomes <c>/?x=1</c>. Throws
    /// <see cref="MalformedMessageException"/> (400) for anything but an http or https URL with a host.
    /// </summary>
    public static RequestTarget ParseAbsoluteForm(string target)
    {
        var separator = target.IndexOf("://", StringComparison.Ordinal);
        var scheme = separator > 0 ? target[..separator].ToLowerInvariant() : "";
        if (scheme is not ("http" or "https"))
        {
            throw NotAnHttpUrl(target);
        }

        var rest = target[(separator + 3)..];
        var end = rest.AsSpan().IndexOfAny('/', '?', '#');
        var authority = end < 0 ? rest : rest[..end];
        var pathAndQuery = OriginForm(end < 0 ? "" : rest[end..]);

        // The authority alone must be all the URL parser reads as one; anything it would read as a path or a query
        // means the two disagree about where the authority ends.
        if (!Uri.TryCreate($"{scheme}://{authority}/", UriKind.Absolute, out var uri) || uri.Host.Length == 0 || uri.PathAndQuery != "/")
        {
            throw NotAnHttpUrl(target);
        }

        return new RequestTarget(uri.Scheme, uri.IdnHost.Trim('[', ']'), uri.Port, uri.Authority, pathAndQuery);
    }

    /// <summary>
    /// A path and query as an origin-form target: without a fragment, which identifies a part of a resource to the
    /// client and is never sent (RFC 9110 section 7.1), and starting with '/'.
    /// </summary>
    public static string OriginForm(string pathAndQuery)
    {
        var fragment = pathAndQuery.IndexOf('#', StringComparison.Ordinal);
        var withoutFragment = fragment < 0 ? pathAndQuery : pathAndQuery[..fragment];
        return withoutFragment.StartsWith('/') ? withoutFragment : "/" + withoutFragment;
    }

    /// <summary>
    /// Parses a CONNECT target in authority form (<c>host:port</c>, <c>[v6]:port</c>; RFC 9112 section 3.2.3); false when
    /// it is not one.
    /// </summary>
    public static bool TryParseAuthority(string authority, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(authority.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = authority[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        return host.Length > 0 && !host.Any(c => char.IsWhiteSpace(c) || c == '/' || c == '@');
    }

    private static MalformedMessageException NotAnHttpUrl(string target) =>
        new(400, $"The request target \"{target}\" is not an http:// or https:// URL.");
}
