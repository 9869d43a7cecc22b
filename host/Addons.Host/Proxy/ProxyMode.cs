namespace Addons.Host.Proxy;

/// <summary>How clients reach the proxy: as an explicit proxy, or as the server itself in front of one upstream.</summary>
/// <param name="Spec">The mode as written, such as <c>regular</c> or <c>reverse:https://example.com</c>.</param>
/// <param name="Upstream">For reverse mode, the server every request goes to.</param>
internal sealed record ProxyMode(string Spec, Uri? Upstream)
{
    public static readonly ProxyMode Regular = new("regular", null);

    public bool IsReverse => Upstream is not null;

    /// <summary>Parses mitmproxy's mode syntax; null with a reason for anything else.</summary>
    public static ProxyMode? Parse(string spec, out string? error)
    {
        error = null;
        if (spec == "regular")
        {
            return Regular;
        }

        if (spec.StartsWith("reverse:", StringComparison.Ordinal))
        {
            var target = spec["reverse:".Length..];
            if (Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0)
            {
                return new ProxyMode(spec, uri);
            }

            error = $"mode '{spec}' needs an http:// or https:// URL after reverse:, such as reverse:https://example.com";
            return null;
        }

        error = $"mode '{spec}' is not supported; use regular or reverse:URL";
        return null;
    }
}
