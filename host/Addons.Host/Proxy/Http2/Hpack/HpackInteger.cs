namespace Addons.Host.Proxy.Http2.Hpack;

/// <summary>Prefix-coded integers (RFC 7541 section 5.1), limited to <see cref="int.MaxValue"/>.</summary>
internal static class HpackInteger
{
    /// <summary>The longest encoding of an int: the prefix octet and five continuation octets of 7 bits each.</summary>
    public const int MaxLength = 6;

    private const int MaxContinuationBytes = 5;

    /// <summary>
    /// Writes <paramref name="value"/> with an N-bit prefix (1 to 8) whose first octet's high bits are
    /// <paramref name="pattern"/>, and returns the number of octets written.
    /// </summary>
    public static int Encode(int value, int prefixBits, byte pattern, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefixBits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixBits, 8);

        var prefixMax = (1 << prefixBits) - 1;
        if (value < prefixMax)
        {
            destination[0] = (byte)(pattern | value);
            return 1;
        }

        destination[0] = (byte)(pattern | prefixMax);
        var rest = (uint)(value - prefixMax);
        var written = 1;
        while (rest >= 0x80)
        {
            destination[written++] = (byte)(rest | 0x80);
            rest >>= 7;
        }

        destination[written++] = (byte)rest;
        return written;
    }

    /// <summary>The number of octets <see cref="Encode"/> writes for <paramref name="value"/>.</summary>
    public static int GetEncodedLength(int value, int prefixBits)
    {
        var prefixMax = (1 << prefixBits) - 1;
        if (value < prefixMax)
        {
            return 1;
        }

        var length = 2;
        for (var rest = (uint)(value - prefixMax); rest >= 0x80; rest >>= 7)
        {
            length++;
        }

        return length;
    }

    /// <summary>
    /// Reads an integer with an N-bit prefix starting at <paramref name="position"/> (the prefix octet's other bits are
    /// ignored) and moves <paramref name="position"/> past it.
    /// </summary>
    /// <exception cref="HpackDecodingException">The input ends inside the integer, or the integer is too large.</exception>
    public static int Decode(ReadOnlySpan<byte> source, ref int position, int prefixBits)
    {
        if (position >= source.Length)
        {
            throw Truncated();
        }

        var prefixMax = (1 << prefixBits) - 1;
        var value = source[position++] & prefixMax;
        if (value < prefixMax)
        {
            return value;
        }

        // A long accumulator sees a value past int.MaxValue before it can wrap: 5 octets add at most 35 bits.
        long total = value;
        for (var i = 0; i < MaxContinuationBytes; i++)
        {
            if (position >= source.Length)
            {
                throw Truncated();
            }

            var octet = source[position++];
            total += (long)(octet & 0x7F) << (7 * i);
            if (total > int.MaxValue)
            {
                throw new HpackDecodingException($"HPACK: integer exceeds {int.MaxValue} (RFC 7541 section 5.1).");
            }

            if ((octet & 0x80) == 0)
            {
                return (int)total;
            }
        }

        throw new HpackDecodingException(
            $"HPACK: integer has more than {MaxContinuationBytes} continuation octets (RFC 7541 section 5.1).");
    }

    private static HpackDecodingException Truncated() =>
        new("HPACK: header block ends in the middle of an integer (RFC 7541 section 5.1).");
}
