using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary>
/// A DNS message as mitmproxy's <c>~b</c>, <c>~bq</c> and <c>~bs</c> read it: <c>str(message)</c>, which is the question
/// names and then the data of every answer, authority and additional record as text, joined by CRLF (record names,
/// types and TTLs are not part of it). A record's text is mitmproxy's <c>ResourceRecord.__str__</c>: an address, a
/// domain name, text, an HTTPS record's fields, or hex; data that does not parse as its type reads
/// <c>0x… (invalid TYPE data)</c>.
/// </summary>
internal static class DnsText
{
    private const int A = 1;
    private const int NS = 2;
    private const int CNAME = 5;
    private const int PTR = 12;
    private const int TXT = 16;
    private const int AAAA = 28;
    private const int HTTPS = 65;

    /// <summary>Appends <c>str(message)</c>.</summary>
    public static void AppendMessage(DnsMessage message, ref PooledTextBuilder text)
    {
        var any = false;
        foreach (var question in message.Questions)
        {
            Separate(ref any, ref text);
            text.Append(question.Name);
        }

        foreach (var records in (ReadOnlySpan<List<DnsResourceRecord>>)[message.Answers, message.Authorities, message.Additionals])
        {
            foreach (var record in records)
            {
                Separate(ref any, ref text);
                AppendRecordData(record, ref text);
            }
        }
    }

    /// <summary>Appends <c>str(record)</c>: its data as text.</summary>
    public static void AppendRecordData(DnsResourceRecord record, ref PooledTextBuilder text)
    {
        var data = record.Data.AsSpan();
        var start = text.Length;
        bool valid;
        switch (record.Type)
        {
            case A:
                valid = TryAppendIPv4(data, ref text);
                break;
            case AAAA:
                valid = TryAppendIPv6(data, ref text);
                break;
            case NS or CNAME or PTR:
                var end = 0;
                valid = DnsNameText.TryAppend(data, ref end, ref text) && end == data.Length;
                break;
            case TXT:
                // data.decode("utf-8"), strict, length bytes included.
                valid = Utf8.IsValid(data);
                if (valid)
                {
                    Encoding.UTF8.GetChars(data, text.AppendSpan(Encoding.UTF8.GetCharCount(data)));
                }

                break;
            case HTTPS:
                // Upstream shows an HTTPS record's fields; mitmproxy 8.1.1 knew no HTTPS type and showed its hex.
                valid = TryAppendHttps(data, ref text);
                break;
            default:
                AppendHex(data, ref text);
                return;
        }

        if (!valid)
        {
            text.Truncate(start);
            AppendHex(data, ref text);
            text.Append(" (invalid ");
            text.Append(TypeName(record.Type));
            text.Append(" data)");
        }
    }

    private static void Separate(ref bool any, ref PooledTextBuilder text)
    {
        if (any)
        {
            text.Append("\r\n");
        }

        any = true;
    }

    private static string TypeName(int type) => type switch
    {
        A => "A",
        NS => "NS",
        CNAME => "CNAME",
        PTR => "PTR",
        TXT => "TXT",
        AAAA => "AAAA",
        _ => "HTTPS",
    };

    /// <summary><c>0x</c> and the data in lower-case hex, as Python's <c>f"0x{data.hex()}"</c>.</summary>
    private static void AppendHex(scoped ReadOnlySpan<byte> data, ref PooledTextBuilder text)
    {
        text.Append("0x");
        Convert.TryToHexStringLower(data, text.AppendSpan(data.Length * 2), out _);
    }

    private static bool TryAppendIPv4(scoped ReadOnlySpan<byte> data, ref PooledTextBuilder text)
    {
        if (data.Length != 4)
        {
            return false;
        }

        for (var i = 0; i < 4; i++)
        {
            if (i > 0)
            {
                text.Append('.');
            }

            text.Append(data[i]);
        }

        return true;
    }

    /// <summary>
    /// Python's <c>str(IPv6Address)</c> (3.11): eight lower-case hex groups, the first longest run of two or more zero
    /// groups written <c>::</c>; no dotted form for IPv4-mapped addresses (Python 3.13 added one).
    /// </summary>
    private static bool TryAppendIPv6(scoped ReadOnlySpan<byte> data, ref PooledTextBuilder text)
    {
        if (data.Length != 16)
        {
            return false;
        }

        Span<ushort> groups = stackalloc ushort[8];
        int bestStart = -1, bestLength = 0, runStart = -1;
        for (var i = 0; i < 8; i++)
        {
            groups[i] = BinaryPrimitives.ReadUInt16BigEndian(data[(2 * i)..]);
            if (groups[i] != 0)
            {
                runStart = -1;
                continue;
            }

            runStart = runStart < 0 ? i : runStart;
            if (i - runStart + 1 > bestLength)
            {
                (bestStart, bestLength) = (runStart, i - runStart + 1);
            }
        }

        if (bestLength < 2)
        {
            bestStart = -1;
        }

        for (var i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                text.Append(i == 0 ? "::" : ":");
                i += bestLength - 1;
                continue;
            }

            groups[i].TryFormat(text.AppendSpan(4), out var written, "x", CultureInfo.InvariantCulture);
            text.Truncate(text.Length - 4 + written);
            if (i < 7)
            {
                text.Append(':');
            }
        }

        return true;
    }

    /// <summary>
    /// Upstream's <c>str(https_records.unpack(data).to_json())</c>: the repr of a dict of target_name, priority (signed)
    /// and each SvcParam, named (<c>alpn</c>...) or numbered, its value through <c>bytes_to_escaped_str</c>. A repeated
    /// key keeps its first place and its last value, as a dict does.
    /// </summary>
    private static bool TryAppendHttps(scoped ReadOnlySpan<byte> data, ref PooledTextBuilder text)
    {
        if (data.Length < 2)
        {
            return false;
        }

        var priority = BinaryPrimitives.ReadInt16BigEndian(data);
        var offset = 2;
        var name = new PooledTextBuilder(stackalloc char[64]);
        var value = new PooledTextBuilder(stackalloc char[64]);
        try
        {
            if (!DnsNameText.TryAppend(data, ref offset, ref name))
            {
                return false;
            }

            var keys = new List<(int Key, int Start, int Length)>();
            while (offset < data.Length)
            {
                if (offset + 4 > data.Length)
                {
                    return false;
                }

                var key = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
                var length = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
                offset += 4;
                if (offset + length > data.Length)
                {
                    return false;
                }

                var existing = keys.FindIndex(k => k.Key == key);
                if (existing >= 0)
                {
                    keys[existing] = (key, offset, length);
                }
                else
                {
                    keys.Add((key, offset, length));
                }

                offset += length;
            }

            text.Append("{'target_name': ");
            AppendPythonRepr(name.Text, ref text);
            text.Append(", 'priority': ");
            text.Append(priority);
            foreach (var (key, start, length) in keys)
            {
                text.Append(", ");
                var keyName = key switch
                {
                    0 => "'mandatory'",
                    1 => "'alpn'",
                    2 => "'no_default_alpn'",
                    3 => "'port'",
                    4 => "'ipv4hint'",
                    5 => "'ech'",
                    6 => "'ipv6hint'",
                    _ => null,
                };
                if (keyName is null)
                {
                    text.Append(key);
                }
                else
                {
                    text.Append(keyName);
                }

                text.Append(": ");
                value.Clear();
                AppendEscapedBytes(data.Slice(start, length), ref value);
                AppendPythonRepr(value.Text, ref text);
            }

            text.Append('}');
            return true;
        }
        finally
        {
            name.Dispose();
            value.Dispose();
        }
    }

    /// <summary>mitmproxy's <c>bytes_to_escaped_str</c>: printable ASCII as it is (quotes too), <c>\\</c>, <c>\t</c> <c>\n</c> <c>\r</c>, else <c>\xhh</c>.</summary>
    private static void AppendEscapedBytes(scoped ReadOnlySpan<byte> data, ref PooledTextBuilder text)
    {
        foreach (var b in data)
        {
            switch (b)
            {
                case (byte)'\\':
                    text.Append("\\\\");
                    break;
                case (byte)'\t':
                    text.Append("\\t");
                    break;
                case (byte)'\n':
                    text.Append("\\n");
                    break;
                case (byte)'\r':
                    text.Append("\\r");
                    break;
                case < 0x20 or >= 0x7f:
                    AppendHexEscape('x', b, 2, ref text);
                    break;
                default:
                    text.Append((char)b);
                    break;
            }
        }
    }

    /// <summary>
    /// Python's <c>repr(str)</c>: single quotes unless the text holds one and no double quote; the quote and backslash
    /// escaped, <c>\t</c> <c>\n</c> <c>\r</c>, other control characters and unprintable ones (Unicode categories C and Z
    /// but the space) as <c>\xhh</c>, <c>\uhhhh</c> or <c>\Uhhhhhhhh</c>.
    /// </summary>
    private static void AppendPythonRepr(scoped ReadOnlySpan<char> value, ref PooledTextBuilder text)
    {
        var quote = value.Contains('\'') && !value.Contains('"') ? '"' : '\'';
        text.Append(quote);
        foreach (var rune in value.EnumerateRunes())
        {
            var c = rune.Value;
            if (c == quote || c == '\\')
            {
                text.Append('\\');
                text.Append((char)c);
            }
            else if (c == '\t')
            {
                text.Append("\\t");
            }
            else if (c == '\n')
            {
                text.Append("\\n");
            }
            else if (c == '\r')
            {
                text.Append("\\r");
            }
            else if (c is < 0x20 or 0x7f)
            {
                AppendHexEscape('x', c, 2, ref text);
            }
            else if (c < 0x7f || IsPrintable(rune))
            {
                rune.EncodeToUtf16(text.AppendSpan(rune.Utf16SequenceLength));
            }
            else
            {
                var (letter, digits) = c <= 0xff ? ('x', 2) : c <= 0xffff ? ('u', 4) : ('U', 8);
                AppendHexEscape(letter, c, digits, ref text);
            }
        }

        text.Append(quote);
    }

    private static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) is not (
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or
        UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or
        UnicodeCategory.SpaceSeparator);

    private static void AppendHexEscape(char letter, int value, int digits, ref PooledTextBuilder text)
    {
        text.Append('\\');
        text.Append(letter);
        value.TryFormat(text.AppendSpan(digits), out _, digits == 2 ? "x2" : digits == 4 ? "x4" : "x8", CultureInfo.InvariantCulture);
    }
}
