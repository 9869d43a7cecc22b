using System.Collections.Frozen;
using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http2.Hpack;

/// <summary>The static table of RFC 7541 Appendix A, with the look-ups the encoder needs.</summary>
internal static class HpackStaticTable
{
    /// <summary>The number of entries; dynamic table indexes start right after it (RFC 7541 section 2.3.3).</summary>
    public const int Count = 61;

    // Index 1 is Entries[0].
    private static readonly HeaderField[] Entries =
    [
        new(":authority", ""),
        new(":method", "GET"),
        new(":method", "POST"),
        new(":path", "/"),
        new(":path", "/index.html"),
        new(":scheme", "http"),
        new(":scheme", "https"),
        new(":status", "200"),
        new(":status", "204"),
        new(":status", "206"),
        new(":status", "304"),
        new(":status", "400"),
        new(":status", "404"),
        new(":status", "500"),
        new("accept-charset", ""),
        new("accept-encoding", "gzip, deflate"),
        new("accept-language", ""),
        new("accept-ranges", ""),
        new("accept", ""),
        new("access-control-allow-origin", ""),
        new("age", ""),
        new("allow", ""),
        new("authorization", ""),
        new("cache-control", ""),
        new("content-disposition", ""),
        new("content-encoding", ""),
        new("content-language", ""),
        new("content-length", ""),
        new("content-location", ""),
        new("content-range", ""),
        new("content-type", ""),
        new("cookie", ""),
        new("date", ""),
        new("etag", ""),
        new("expect", ""),
        new("expires", ""),
        new("from", ""),
        new("host", ""),
        new("if-match", ""),
        new("if-modified-since", ""),
        new("if-none-match", ""),
        new("if-range", ""),
        new("if-unmodified-since", ""),
        new("last-modified", ""),
        new("link", ""),
        new("location", ""),
        new("max-forwards", ""),
        new("proxy-authenticate", ""),
        new("proxy-authorization", ""),
        new("range", ""),
        new("referer", ""),
        new("refresh", ""),
        new("retry-after", ""),
        new("server", ""),
        new("set-cookie", ""),
        new("strict-transport-security", ""),
        new("transfer-encoding", ""),
        new("user-agent", ""),
        new("vary", ""),
        new("via", ""),
        new("www-authenticate", ""),
    ];

    // Name -> lowest index with that name; (name, value) -> index, for the entries whose value is not empty (an empty
    // value is also found through the name, see FindExact).
    private static readonly FrozenDictionary<string, int> FirstIndexByName = BuildNameIndex();
    private static readonly FrozenDictionary<(string Name, string Value), int> IndexByField = BuildFieldIndex();

    /// <summary>The entry at <paramref name="index"/>, 1 to <see cref="Count"/>.</summary>
    public static HeaderField Get(int index) => Entries[index - 1];

    /// <summary>The index of the entry with exactly this name and value, or 0 if there is none.</summary>
    public static int FindExact(string name, string value)
    {
        if (value.Length == 0)
        {
            // Every name whose first entry has an empty value is in the name index; the rest have no empty value.
            return FirstIndexByName.TryGetValue(name, out var first) && Entries[first - 1].Value.Length == 0 ? first : 0;
        }

        return IndexByField.TryGetValue((name, value), out var index) ? index : 0;
    }

    /// <summary>The lowest index of an entry with this name, or 0 if there is none.</summary>
    public static int FindName(string name) => FirstIndexByName.TryGetValue(name, out var index) ? index : 0;

    private static FrozenDictionary<string, int> BuildNameIndex()
    {
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Entries.Length; i++)
        {
            byName.TryAdd(Entries[i].Name, i + 1);
        }

        return byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static FrozenDictionary<(string Name, string Value), int> BuildFieldIndex()
    {
        var byField = new Dictionary<(string Name, string Value), int>();
        for (var i = 0; i < Entries.Length; i++)
        {
            if (Entries[i].Value.Length > 0)
            {
                byField.Add((Entries[i].Name, Entries[i].Value), i + 1);
            }
        }

        return byField.ToFrozenDictionary();
    }
}
