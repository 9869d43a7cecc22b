using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Addons.View;

/// <summary>
/// A text key abbreviated to its first 48 characters (six numbers) with its slot, for sorting a whole order: most
/// texts (URLs) differ within 48 characters, so the sort compares numbers and reads no text. Texts that share all 48
/// are put in order afterwards by comparing them whole.
/// </summary>
internal readonly struct TextSortItem : IComparable<TextSortItem>
{
    private TextSortItem(ulong k0, ulong k1, ulong k2, ulong k3, ulong k4, ulong k5, int slot, bool exact16, bool exact48)
    {
        K0 = k0;
        K1 = k1;
        K2 = k2;
        K3 = k3;
        K4 = k4;
        K5 = k5;
        Slot = slot;
        Exact16 = exact16;
        Exact48 = exact48;
    }

    /// <summary>Characters 0-7, the high half of the 16-character key the view caches per flow.</summary>
    public ulong K0 { get; }

    /// <summary>Characters 8-15.</summary>
    public ulong K1 { get; }

    public ulong K2 { get; }

    public ulong K3 { get; }

    public ulong K4 { get; }

    public ulong K5 { get; }

    public int Slot { get; }

    /// <summary>Whether the first 16 characters decide (equal keys are equal texts).</summary>
    public bool Exact16 { get; }

    /// <summary>Whether the first 48 characters decide.</summary>
    public bool Exact48 { get; }

    public static TextSortItem Create(ReadOnlySpan<char> text, int slot)
    {
        var (k0, k1, cut) = Window(text);
        if (cut || text.Length < 16)
        {
            return new TextSortItem(k0, k1, 0, 0, 0, 0, slot, !cut, !cut);
        }

        // After a character the abbreviation could not hold, later characters must not count.
        var (k2, k3, cut1) = Window(text[16..]);
        if (cut1 || text.Length < 32)
        {
            return new TextSortItem(k0, k1, k2, k3, 0, 0, slot, false, !cut1);
        }

        var (k4, k5, cut2) = Window(text[32..]);
        return new TextSortItem(k0, k1, k2, k3, k4, k5, slot, false, !cut2 && text.Length < 48);
    }

    /// <summary>
    /// The first 16 characters of a text as two numbers whose order is the texts' ordinal order, or equal when that
    /// cannot tell. Exact when the text is shorter than 16 characters and none was cut off, so equal exact
    /// abbreviations are equal texts.
    /// </summary>
    public static (ulong High, ulong Low, bool Exact) Abbreviate(ReadOnlySpan<char> text)
    {
        var (high, low, cut) = Window(text);
        return (high, low, !cut && text.Length < 16);
    }

    public bool SameKey(in TextSortItem other) =>
        K0 == other.K0 && K1 == other.K1 && K2 == other.K2 && K3 == other.K3 && K4 == other.K4 && K5 == other.K5;

    public int CompareTo(TextSortItem other) =>
        K0 != other.K0 ? (K0 < other.K0 ? -1 : 1)
        : K1 != other.K1 ? (K1 < other.K1 ? -1 : 1)
        : K2 != other.K2 ? (K2 < other.K2 ? -1 : 1)
        : K3 != other.K3 ? (K3 < other.K3 ? -1 : 1)
        : K4 != other.K4 ? (K4 < other.K4 ? -1 : 1)
        : K5 != other.K5 ? (K5 < other.K5 ? -1 : 1)
        : Slot.CompareTo(other.Slot);

    /// <summary>
    /// Sixteen characters as two big-endian numbers, one byte each: code + 1 (absent is 0, so a prefix sorts first).
    /// A character from U+00FE up becomes 0xFF and ends the abbreviation (<c>Cut</c>), since a byte cannot order it.
    /// </summary>
    private static (ulong High, ulong Low, bool Cut) Window(ReadOnlySpan<char> text)
    {
        if (text.Length >= 16)
        {
            // The usual case, Latin-1 text, eight characters to an instruction.
            ref var start = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text));
            var first = Vector128.LoadUnsafe(ref start);
            var second = Vector128.LoadUnsafe(ref start, 8);
            var limit = Vector128.Create((ushort)0xFE);
            if (Vector128.LessThanAll(first, limit) && Vector128.LessThanAll(second, limit))
            {
                var bytes = Vector128.Narrow(first + Vector128<ushort>.One, second + Vector128<ushort>.One).AsUInt64();
                return (BinaryPrimitives.ReverseEndianness(bytes.GetElement(0)), BinaryPrimitives.ReverseEndianness(bytes.GetElement(1)), false);
            }
        }

        ulong high = 0, low = 0;
        var cut = false;
        var length = Math.Min(text.Length, 16);
        for (var i = 0; i < length; i++)
        {
            ulong value;
            if (text[i] >= 0xFE)
            {
                value = 0xFF;
                cut = true;
                length = i + 1;
            }
            else
            {
                value = (ulong)text[i] + 1;
            }

            if (i < 8)
            {
                high |= value << (8 * (7 - i));
            }
            else
            {
                low |= value << (8 * (15 - i));
            }
        }

        return (high, low, cut);
    }
}
