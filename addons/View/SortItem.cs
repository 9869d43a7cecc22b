using System.Runtime.InteropServices;

namespace Addons.View;

/// <summary>
/// A cached key (two numbers) with its slot. Comparing the numbers and then the slot inlines into the sort, and the
/// slot as last key makes equal keys keep insertion order.
/// </summary>
internal readonly record struct SortItem(ulong High, ulong Low, int Slot) : IComparable<SortItem>
{
    /// <summary>Above this many distinct keys a comparison sort is used.</summary>
    private const int MaxRanks = 1 << 14;

    public int CompareTo(SortItem other) =>
        High != other.High ? (High < other.High ? -1 : 1)
        : Low != other.Low ? (Low < other.Low ? -1 : 1)
        : Slot.CompareTo(other.Slot);

    /// <summary>
    /// Orders items with few distinct keys (methods, sizes, the shared start of URLs) by counting: each key's rank
    /// among the distinct keys says where its items go, in the order they come, which must be slot order for equal
    /// keys. Linear, where a comparison sort of a million items with a handful of keys is not. False when the keys
    /// are too many (or the items too few to be worth it) and nothing was moved.
    /// </summary>
    public static bool TrySortByRank(Span<SortItem> items)
    {
        if (items.Length < 256)
        {
            return false;
        }

        var ids = new Dictionary<(ulong, ulong), int>();
        var keys = new List<(ulong High, ulong Low)>();
        var keyOf = new int[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(ids, (items[i].High, items[i].Low), out var known);
            if (!known)
            {
                if (keys.Count == MaxRanks)
                {
                    return false;
                }

                id = keys.Count;
                keys.Add((items[i].High, items[i].Low));
            }

            keyOf[i] = id;
        }

        var byKey = Enumerable.Range(0, keys.Count).ToArray();
        Array.Sort(byKey, (a, b) => keys[a].CompareTo(keys[b]));
        var start = new int[keys.Count + 1];
        var rank = new int[keys.Count];
        for (var r = 0; r < byKey.Length; r++)
        {
            rank[byKey[r]] = r;
        }

        foreach (var id in keyOf)
        {
            start[rank[id] + 1]++;
        }

        for (var r = 1; r < start.Length; r++)
        {
            start[r] += start[r - 1];
        }

        var copy = items.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            items[start[rank[keyOf[i]]]++] = copy[i];
        }

        return true;
    }
}
