using System.Text;

namespace Addons.Host.Proxy.Http1;

/// <summary>
/// Field names most messages carry, as shared strings: a parsed head takes these instead of a new string for each
/// field of each message. Matched byte for byte, so that the case a peer sent is kept.
/// </summary>
internal static class KnownHeaderNames
{
    private static readonly string[] Names =
    [
        "Accept", "Accept-Encoding", "Accept-Language", "Accept-Ranges", "Age", "Authorization", "Cache-Control",
        "Connection", "Content-Encoding", "Content-Length", "Content-Type", "Cookie", "Date", "ETag", "Expires", "Host",
        "If-Modified-Since", "If-None-Match", "Keep-Alive", "Last-Modified", "Location", "Origin", "Pragma",
        "Proxy-Connection", "Referer", "Server", "Set-Cookie", "Transfer-Encoding", "Upgrade", "User-Agent", "Vary",
    ];

    private static readonly (byte[] Bytes, string Name)[][] ByLength = Index();

    /// <summary>The shared string for <paramref name="name"/>, or a new Latin-1 string when it is not a known name.</summary>
    public static string Get(ReadOnlySpan<byte> name)
    {
        if (name.Length < ByLength.Length)
        {
            foreach (var (bytes, known) in ByLength[name.Length])
            {
                if (name.SequenceEqual(bytes))
                {
                    return known;
                }
            }
        }

        return Encoding.Latin1.GetString(name);
    }

    private static (byte[] Bytes, string Name)[][] Index()
    {
        var byLength = new (byte[] Bytes, string Name)[Names.Max(n => n.Length) + 1][];
        for (var length = 0; length < byLength.Length; length++)
        {
            byLength[length] = [.. Names.Where(n => n.Length == length).Select(n => (Encoding.Latin1.GetBytes(n), n))];
        }

        return byLength;
    }
}
