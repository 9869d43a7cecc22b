namespace Addons.Bridge;

/// <summary>The bridge's options as read at start.</summary>
internal sealed record BridgeSettings(string Url, string Token, string HostId, string SubjectPrefix, BridgeDelivery Delivery, string Stream)
{
    /// <summary>The server's URL for messages: a user, password or token in it replaced by <c>***</c>.</summary>
    public string ShownUrl => Shown(Url);

    /// <summary>
    /// <paramref name="url"/> (or a comma-separated list of server URLs) with each one's user information, which may be a
    /// token or a password, replaced by <c>***</c>.
    /// </summary>
    public static string Shown(string url) => string.Join(',', url.Split(',').Select(ShownOne));

    private static string ShownOne(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal);
        start = start < 0 ? 0 : start + 3;
        var end = url.IndexOfAny(['/', '?'], start);
        var authority = end < 0 ? url.Length : end;
        var at = authority > start ? url.LastIndexOf('@', authority - 1, authority - start) : -1;
        return at < 0 ? url : $"{url[..start]}***{url[at..]}";
    }

    /// <summary>The durable consumer name of this host in the stream: its id with the characters NATS refuses in names replaced, and a hash of it.</summary>
    public string Consumer =>
        "addons-" + string.Concat(HostId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'))
        // Ids that differ only in replaced characters (a.b, a_b) must not share a consumer, and so split its messages.
        + "-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(HostId)))[..8];
}
