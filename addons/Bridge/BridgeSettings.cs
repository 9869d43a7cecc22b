namespace Addons.Bridge;

/// <summary>The bridge's options as read at start.</summary>
internal sealed record BridgeSettings(string Url, string Token, string HostId, string SubjectPrefix, BridgeDelivery Delivery, string Stream)
{
    /// <summary>The server's URL for messages: a user, password or token in it replaced by <c>***</c>.</summary>
    public string ShownUrl => Shown(Url);

    /// <summary><paramref name="url"/> with its user information replaced by <c>***</c>.</summary>
    public static string Shown(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0 ? url.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal) : url;

    /// <summary>The durable consumer name of this host in the stream: its id with the characters NATS refuses in names replaced.</summary>
    public string Consumer => "addons-" + string.Concat(HostId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
}
