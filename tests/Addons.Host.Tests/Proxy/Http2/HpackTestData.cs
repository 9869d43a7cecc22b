using System.Buffers;
using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http2.Hpack;

namespace Addons.Host.Tests.Proxy.Http2;

/// <summary>Helpers the HPACK tests share: hex blocks in, readable fields and tables out.</summary>
internal static class HpackTestData
{
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string ToHex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    public static string[] Lines(IEnumerable<HeaderField> fields) => fields.Select(f => $"{f.Name}: {f.Value}").ToArray();

    public static string[] Lines(HpackDynamicTable table) =>
        Enumerable.Range(0, table.Count).Select(i => $"{table[i].Name}: {table[i].Value}").ToArray();

    public static HeaderField[] Fields(params string[] lines) =>
        lines.Select(line =>
        {
            // The first ": " after the first character splits name and value (names like ":path" start with a colon).
            var colon = line.IndexOf(": ", 1, StringComparison.Ordinal);
            return new HeaderField(line[..colon], line[(colon + 2)..]);
        }).ToArray();

    /// <summary>Decodes a block that must decode within a generous header list limit.</summary>
    public static string[] Decode(HpackDecoder decoder, byte[] block)
    {
        var headers = new List<HeaderField>();
        Assert.That(decoder.Decode(block, headers, int.MaxValue), Is.True, "within the header list limit");
        return Lines(headers);
    }

    public static byte[] Encode(HpackEncoder encoder, IReadOnlyList<HeaderField> fields, IReadOnlySet<int>? neverIndexed = null)
    {
        var output = new ArrayBufferWriter<byte>();
        encoder.Encode(fields, output, neverIndexed);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The message of the <see cref="HpackDecodingException"/> decoding <paramref name="block"/> throws.</summary>
    public static string DecodeError(HpackDecoder decoder, byte[] block) =>
        Assert.Throws<HpackDecodingException>(() => decoder.Decode(block, [], int.MaxValue))!.Message;
}
