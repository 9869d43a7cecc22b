using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http2.Hpack;

/// <summary>
/// The dynamic table of RFC 7541 section 2.3.2 and section 4: a FIFO of fields, newest first, whose size (each entry's
/// name and value octets plus 32) stays within <see cref="MaxSize"/> by evicting the oldest entries. Names and values
/// are Latin-1 strings, one octet a character, so a string's length is its octet count.
/// </summary>
internal sealed class HpackDynamicTable
{
    /// <summary>The overhead RFC 7541 section 4.1 counts for every entry.</summary>
    public const int EntryOverhead = 32;

    // A ring: the oldest entry is at _oldest, the newest _count - 1 slots after it (modulo the capacity). It grows on
    // demand, so a large maximum size costs nothing until the peer fills it.
    private HeaderField[] _entries = [];
    private int _oldest;
    private int _count;

    public HpackDynamicTable(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        MaxSize = maxSize;
    }

    /// <summary>The number of entries.</summary>
    public int Count => _count;

    /// <summary>The sum of the entries' sizes (RFC 7541 section 4.1).</summary>
    public int Size { get; private set; }

    /// <summary>The most <see cref="Size"/> may be.</summary>
    public int MaxSize { get; private set; }

    /// <summary>The entry at <paramref name="index"/>, 0 being the newest (HPACK index <see cref="HpackStaticTable.Count"/> + 1).</summary>
    public HeaderField this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            return _entries[Slot(_count - 1 - index)];
        }
    }

    /// <summary>The size of an entry for <paramref name="field"/> (RFC 7541 section 4.1).</summary>
    public static long EntrySize(HeaderField field) => (long)field.Name.Length + field.Value.Length + EntryOverhead;

    /// <summary>
    /// Adds <paramref name="field"/> as the newest entry, first evicting the oldest entries until it fits. A field larger
    /// than <see cref="MaxSize"/> leaves the table empty and is not added (RFC 7541 section 4.4).
    /// </summary>
    public void Add(HeaderField field)
    {
        var size = EntrySize(field);
        if (size > MaxSize)
        {
            Clear();
            return;
        }

        EvictUntil(MaxSize - (int)size);
        if (_count == _entries.Length)
        {
            Grow();
        }

        _entries[Slot(_count)] = field;
        _count++;
        Size += (int)size;
    }

    /// <summary>Changes <see cref="MaxSize"/>, evicting the oldest entries until the table fits (RFC 7541 section 4.3).</summary>
    public void SetMaxSize(int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        MaxSize = maxSize;
        EvictUntil(maxSize);
    }

    /// <summary>
    /// The index (0 being the newest) of the newest entry equal to <paramref name="name"/> and <paramref name="value"/>,
    /// or -1; <paramref name="nameIndex"/> gets the newest entry with that name alone, or -1. A linear scan: a 4096-octet
    /// table holds at most 128 entries, and comparing lengths first makes most comparisons cheap.
    /// </summary>
    public int Find(string name, string value, out int nameIndex)
    {
        nameIndex = -1;
        for (var i = 0; i < _count; i++)
        {
            var entry = _entries[Slot(_count - 1 - i)];
            if (!string.Equals(entry.Name, name, StringComparison.Ordinal))
            {
                continue;
            }

            if (nameIndex < 0)
            {
                nameIndex = i;
            }

            if (string.Equals(entry.Value, value, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private int Slot(int fromOldest)
    {
        var slot = _oldest + fromOldest;
        return slot >= _entries.Length ? slot - _entries.Length : slot;
    }

    private void EvictUntil(int size)
    {
        while (Size > size)
        {
            Size -= (int)EntrySize(_entries[_oldest]);
            _entries[_oldest] = default;
            _oldest = _oldest + 1 == _entries.Length ? 0 : _oldest + 1;
            _count--;
        }

        if (_count == 0)
        {
            _oldest = 0;
        }
    }

    private void Clear()
    {
        Array.Clear(_entries);
        _oldest = 0;
        _count = 0;
        Size = 0;
    }

    private void Grow()
    {
        // Unroll the ring into the start of a larger array.
        var larger = new HeaderField[Math.Max(8, _entries.Length * 2)];
        for (var i = 0; i < _count; i++)
        {
            larger[i] = _entries[Slot(i)];
        }

        _entries = larger;
        _oldest = 0;
    }
}
