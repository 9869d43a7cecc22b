using System.Globalization;
using System.Text;

namespace Addons.Host.Filters;

/// <summary>
/// A domain name in record data as mitmproxy shows it (<c>domain_names.unpack_from</c>): length-prefixed labels up to
/// a zero byte, no compression pointers, each label decoded with Python's <c>idna</c> codec and joined by dots. The
/// codec passes ASCII through; a label holding <c>xn--</c> is split at its dots and each <c>xn--</c> piece is
/// Punycode-decoded, and must encode back to itself; anything else (a non-ASCII byte, a pointer, a label of 64 bytes or
/// more, a short buffer) makes the data invalid.
/// </summary>
internal static class DnsNameText
{
    private const int MaxLabel = 63;

    // Python's ToASCII runs nameprep (IDNA 2003) before Punycode; .NET's IdnMapping (UTS 46) stands in for it, which maps
    // ordinary names the same (the deviation characters are checked apart; rarer differences remain).
    private static readonly IdnMapping Idna = new();

    /// <summary>
    /// Appends the name that starts at <paramref name="offset"/> and moves the offset past its zero byte; false, with
    /// the text in an unknown state, when the data holds no valid name there.
    /// </summary>
    public static bool TryAppend(scoped ReadOnlySpan<byte> data, ref int offset, ref PooledTextBuilder text)
    {
        var first = true;
        while (true)
        {
            if (offset >= data.Length)
            {
                return false;
            }

            int size = data[offset++];
            if (size == 0)
            {
                return true;
            }

            // 0xC0 and up is a compression pointer, which record data may not hold; 64 to 191 is no label length.
            if (size > MaxLabel || offset + size > data.Length)
            {
                return false;
            }

            if (!first)
            {
                text.Append('.');
            }

            if (!TryAppendLabel(data.Slice(offset, size), ref text))
            {
                return false;
            }

            first = false;
            offset += size;
        }
    }

    /// <summary>One label through Python's <c>bytes.decode("idna")</c>.</summary>
    private static bool TryAppendLabel(scoped ReadOnlySpan<byte> label, ref PooledTextBuilder text)
    {
        if (!Ascii.IsValid(label))
        {
            // The codec's fast path fails and so does its slow one: ToUnicode decodes bytes as ASCII.
            return false;
        }

        if (label.IndexOf("xn--"u8) < 0)
        {
            Encoding.ASCII.GetChars(label, text.AppendSpan(label.Length));
            return true;
        }

        // The slow path splits the label at its dots (a trailing empty piece becomes a trailing dot) and decodes each.
        var trailingDot = label[^1] == (byte)'.';
        if (trailingDot)
        {
            label = label[..^1];
        }

        var firstPiece = true;
        foreach (var range in label.Split((byte)'.'))
        {
            if (!firstPiece)
            {
                text.Append('.');
            }

            firstPiece = false;
            var piece = label[range];
            if (!piece.StartsWith("xn--"u8))
            {
                Encoding.ASCII.GetChars(piece, text.AppendSpan(piece.Length));
            }
            else if (!TryAppendAcePiece(piece, ref text))
            {
                return false;
            }
        }

        if (trailingDot)
        {
            text.Append('.');
        }

        return true;
    }

    /// <summary>Python's ToUnicode for an <c>xn--</c> piece: Punycode-decode, then it must ToASCII back to itself (in lower case).</summary>
    private static bool TryAppendAcePiece(scoped ReadOnlySpan<byte> piece, ref PooledTextBuilder text)
    {
        Span<int> codePoints = stackalloc int[MaxLabel + 1];
        if (!TryDecodePunycode(piece[4..], codePoints, out var count))
        {
            return false;
        }

        var decoded = new StringBuilder(count);
        foreach (var codePoint in codePoints[..count])
        {
            // A surrogate is prohibited by nameprep; UTS 46's deviation characters (ß, ς, ZWNJ, ZWJ), which IdnMapping
            // keeps, nameprep maps to "ss", "σ" or nothing, so the piece cannot come back as itself.
            if (!Rune.TryCreate(codePoint, out var rune) || codePoint is 0xDF or 0x3C2 or 0x200C or 0x200D)
            {
                return false;
            }

            decoded.Append(rune.ToString());
        }

        var unicode = decoded.ToString();
        string ascii;
        if (Ascii.IsValid(unicode))
        {
            ascii = unicode;
        }
        else
        {
            try
            {
                ascii = Idna.GetAscii(unicode);
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        Span<char> lower = stackalloc char[piece.Length];
        Ascii.ToLower(piece, lower, out _);
        if (ascii.Length is 0 or > MaxLabel || !lower.SequenceEqual(ascii))
        {
            return false;
        }

        text.Append(unicode);
        return true;
    }

    /// <summary>
    /// RFC 3492 decoding as Python's <c>punycode</c> codec does it: the part before the last '-' is kept as it is (case
    /// included), digits after it are read in either case; a bad digit, a truncated number or a code point past
    /// U+10FFFF fails.
    /// </summary>
    private static bool TryDecodePunycode(ReadOnlySpan<byte> input, Span<int> output, out int count)
    {
        var dash = input.LastIndexOf((byte)'-');
        var basic = dash < 0 ? [] : input[..dash];
        var extended = dash < 0 ? input : input[(dash + 1)..];
        count = 0;
        if (basic.Length > output.Length)
        {
            return false;
        }

        foreach (var b in basic)
        {
            output[count++] = b;
        }

        long codePoint = 0x80;
        long position = -1;
        var bias = 72;
        var at = 0;
        var first = true;
        while (at < extended.Length)
        {
            long delta = 0;
            long weight = 1;
            for (var j = 0; ; j++)
            {
                if (at >= extended.Length)
                {
                    return false;
                }

                var c = extended[at++];
                int digit;
                if (char.IsAsciiLetter((char)c))
                {
                    digit = (c | 0x20) - 'a';
                }
                else if (char.IsAsciiDigit((char)c))
                {
                    digit = c - '0' + 26;
                }
                else
                {
                    return false;
                }

                var threshold = Math.Clamp((36 * (j + 1)) - bias, 1, 26);
                delta += digit * weight;
                if (delta > int.MaxValue)
                {
                    return false;
                }

                if (digit < threshold)
                {
                    break;
                }

                weight *= 36 - threshold;
            }

            position += delta + 1;
            codePoint += position / (count + 1);
            if (codePoint > 0x10FFFF || count == output.Length)
            {
                return false;
            }

            position %= count + 1;
            output[(int)position..count].CopyTo(output[((int)position + 1)..]);
            output[(int)position] = (int)codePoint;
            count++;
            bias = Adapt(delta, first, count);
            first = false;
        }

        return true;
    }

    private static int Adapt(long delta, bool first, int count)
    {
        delta = first ? delta / 700 : delta / 2;
        delta += delta / count;
        var divisions = 0;
        while (delta > 455)
        {
            delta /= 35;
            divisions += 36;
        }

        return (int)(divisions + (36 * delta / (delta + 38)));
    }
}
