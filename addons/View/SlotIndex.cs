using System.Numerics;

namespace Addons.View;

/// <summary>
/// Finds a flow's slot by its id without keeping the id a second time: an open-addressing table of slot numbers
/// (linear probing, at most half full), which compares the id the view holds for a slot (its hot flow's, or its cold
/// row's). Four to eight bytes a flow where a dictionary entry takes about thirty-two, and growing copies one array of
/// ints.
/// </summary>
internal sealed class SlotIndex
{
    private const int InitialSize = 64;
    private readonly Func<int, Guid> _idOf;

    // Slot + 1; 0 is an empty place.
    private int[] _table = new int[InitialSize];
    private int _shift = 32 - BitOperations.Log2(InitialSize);

    /// <param name="idOf">The id of a slot in the table (<see cref="Guid.Empty"/> for a slot that holds no flow).</param>
    public SlotIndex(Func<int, Guid> idOf) => _idOf = idOf;

    public int Count { get; private set; }

    /// <summary>The slot of a flow, or -1.</summary>
    public int Find(Guid id)
    {
        var mask = _table.Length - 1;
        for (var place = Home(id); _table[place] != 0; place = (place + 1) & mask)
        {
            var slot = _table[place] - 1;
            if (_idOf(slot) == id)
            {
                return slot;
            }
        }

        return -1;
    }

    /// <summary>Adds a slot whose id is not in the table (the caller has looked).</summary>
    public void Add(Guid id, int slot)
    {
        if ((Count + 1) * 2 > _table.Length)
        {
            Grow();
        }

        Place(id, slot);
        Count++;
    }

    /// <summary>Takes a flow's slot out; false when the id is not in the table.</summary>
    public bool Remove(Guid id)
    {
        var mask = _table.Length - 1;
        var place = Home(id);
        while (_table[place] != 0 && _idOf(_table[place] - 1) != id)
        {
            place = (place + 1) & mask;
        }

        if (_table[place] == 0)
        {
            return false;
        }

        // Later entries of the probe run move back into the gap when their home does not lie after it (within the
        // run), so that every entry stays reachable from its home without tombstones.
        _table[place] = 0;
        Count--;
        for (var next = (place + 1) & mask; _table[next] != 0; next = (next + 1) & mask)
        {
            var home = Home(_idOf(_table[next] - 1));
            var reachable = place <= next ? home > place && home <= next : home > place || home <= next;
            if (!reachable)
            {
                _table[place] = _table[next];
                _table[next] = 0;
                place = next;
            }
        }

        return true;
    }

    /// <summary>Empties the table and adds slots 0 to <paramref name="slots"/> - 1, each holding a flow (after a compaction).</summary>
    public void Rebuild(int slots)
    {
        Clear(slots);
        for (var slot = 0; slot < slots; slot++)
        {
            Place(_idOf(slot), slot);
        }

        Count = slots;
    }

    /// <summary>Empties the table, sized for <paramref name="expected"/> flows.</summary>
    public void Clear(int expected = 0)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(InitialSize, expected * 2));
        _table = new int[size];
        _shift = 32 - BitOperations.Log2((uint)size);
        Count = 0;
    }

    // Fibonacci hashing: the top bits of the id's hash times 2^32 / phi, spread over a power-of-two table.
    private int Home(Guid id) => (int)(((uint)id.GetHashCode() * 2654435769u) >> _shift);

    private void Place(Guid id, int slot)
    {
        var mask = _table.Length - 1;
        var place = Home(id);
        while (_table[place] != 0)
        {
            place = (place + 1) & mask;
        }

        _table[place] = slot + 1;
    }

    private void Grow()
    {
        var old = _table;
        _table = new int[old.Length * 2];
        _shift--;
        foreach (var entry in old)
        {
            if (entry != 0)
            {
                Place(_idOf(entry - 1), entry - 1);
            }
        }
    }
}
