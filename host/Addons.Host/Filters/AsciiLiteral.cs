using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace Addons.Host.Filters;

/// <summary>
/// A regex that is a plain ASCII literal (no metacharacter), matched case-insensitively against bytes without turning
/// them into text first: bodies are the largest thing a filter reads, so <c>~b secret</c> reads each byte once.
/// Candidates are found 32 bytes at a time by the first and last byte of the literal (letters folded with 0x20, which
/// turns only 'A'-'Z' into 'a'-'z' for the letter values it is compared with) and then checked whole.
/// </summary>
internal sealed class AsciiLiteral
{
    private readonly byte[] _lower;
    private readonly byte _first;
    private readonly byte _last;
    private readonly byte _firstFold;
    private readonly byte _lastFold;

    private AsciiLiteral(byte[] lower)
    {
        _lower = lower;
        _first = lower[0];
        _last = lower[^1];
        _firstFold = char.IsAsciiLetterLower((char)_first) ? (byte)0x20 : (byte)0;
        _lastFold = char.IsAsciiLetterLower((char)_last) ? (byte)0x20 : (byte)0;
    }

    /// <summary>The literal a pattern stands for, or null when it is empty, not ASCII or uses regex syntax.</summary>
    public static AsciiLiteral? TryCreate(string pattern)
    {
        if (pattern.Length == 0 || !Ascii.IsValid(pattern) || pattern.AsSpan().IndexOfAny("\\*+?|{}[]()^$.#") >= 0 ||
            pattern.AsSpan().ContainsAnyInRange('\0', '\x1f'))
        {
            return null;
        }

        var lower = new byte[pattern.Length];
        Ascii.ToLower(pattern, lower, out _);
        return new AsciiLiteral(lower);
    }

    public bool IsFoundIn(ReadOnlySpan<byte> haystack)
    {
        var length = _lower.Length;
        var last = haystack.Length - length;
        var i = 0;
        if (Vector256.IsHardwareAccelerated && last >= Vector256<byte>.Count)
        {
            ref var start = ref MemoryMarshal.GetReference(haystack);
            var first = Vector256.Create(_first);
            var lastByte = Vector256.Create(_last);
            var firstFold = Vector256.Create(_firstFold);
            var lastFold = Vector256.Create(_lastFold);
            for (; i <= last - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var heads = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i) | firstFold, first);
                var tails = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)(i + length - 1)) | lastFold, lastByte);
                var candidates = (heads & tails).ExtractMostSignificantBits();
                while (candidates != 0)
                {
                    var at = i + BitOperations.TrailingZeroCount(candidates);
                    if (Ascii.EqualsIgnoreCase(haystack.Slice(at, length), _lower))
                    {
                        return true;
                    }

                    candidates &= candidates - 1;
                }
            }
        }

        for (; i <= last; i++)
        {
            if ((haystack[i] | _firstFold) == _first && Ascii.EqualsIgnoreCase(haystack.Slice(i, length), _lower))
            {
                return true;
            }
        }

        return false;
    }
}
