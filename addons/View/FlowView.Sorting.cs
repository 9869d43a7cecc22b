using System.Runtime.InteropServices;
using Addons.Abstractions.Flows;

namespace Addons.View;

/// <summary>Sorting: the cached order keys per slot and the store sorted by them.</summary>
internal sealed partial class FlowView
{
    private List<int> SortByNumber(OrderKey order)
    {
        _texts = null;
        _arena = null;
        var items = LiveItems();
        var flows = _flows;
        Parallel.For(0, (items.Length + ChunkSize - 1) / ChunkSize, chunk =>
        {
            var end = Math.Min((chunk + 1) * ChunkSize, items.Length);
            for (var i = chunk * ChunkSize; i < end; i++)
            {
                var slot = items[i].Slot;
                MemoryAhead.Fetch(flows, slot);
                var key = Biased(flows[slot] is { } flow ? order.NumberOf(flow) : ColdNumber(order, slot));
                _keyHigh[slot] = key;
                _keyLow[slot] = 0;
                _flags[slot] &= unchecked((byte)~InexactFlag);
                items[i] = new SortItem(key, 0, slot);
            }
        });

        return Slots(Sort(items));
    }

    private List<int> SortByText(OrderKey order)
    {
        // An order change on a million flows must not wait on memory it has just asked for: every fresh page costs a
        // fault, so this pass allocates little beyond the keys it sorts (a text block per chunk, sized from a sample
        // so that it seldom grows, and no second array of items for the merge).
        var live = LiveSlots();
        var chunks = (live.Length + ChunkSize - 1) / ChunkSize;
        var arena = new TextArena(chunks);
        var texts = GC.AllocateUninitializedArray<TextRef>(_flows.Length);
        var items = GC.AllocateUninitializedArray<TextSortItem>(live.Length);
        var flows = _flows;
        var blockSize = ChunkSize * (SampleTextLength(order, live) + 8);
        var anyInexact = false;
        Parallel.For(0, chunks, chunk =>
        {
            // Each worker keeps the full texts of its chunk in a block of its own, made when the first is kept.
            char[]? block = null;
            Span<char> scratch = stackalloc char[256];
            var used = 0;
            var end = Math.Min((chunk + 1) * ChunkSize, live.Length);
            for (var i = chunk * ChunkSize; i < end; i++)
            {
                var slot = live[i];
                MemoryAhead.Fetch(flows, slot);
                var destination = block is null ? scratch : block.AsSpan(used);
                int length;
                while ((length = flows[slot] is { } flow ? order.WriteText(flow, destination) : WriteColdText(order, slot, destination)) < 0)
                {
                    if (block is null)
                    {
                        block = GC.AllocateUninitializedArray<char>(Math.Max(blockSize, -length));
                    }
                    else
                    {
                        Array.Resize(ref block, Math.Max(block.Length * 2, used - length));
                    }

                    destination = block.AsSpan(used);
                }

                var item = TextSortItem.Create(destination[..length], slot);
                _keyHigh[slot] = item.K0;
                _keyLow[slot] = item.K1;
                if (item.Exact16)
                {
                    _flags[slot] &= unchecked((byte)~InexactFlag);
                }
                else
                {
                    // The text stays where it was written; an exact one is written over by the next.
                    if (block is null)
                    {
                        block = GC.AllocateUninitializedArray<char>(Math.Max(blockSize, length));
                        destination[..length].CopyTo(block);
                    }

                    _flags[slot] |= InexactFlag;
                    texts[slot] = new TextRef(chunk, used, length);
                    used += length;
                }

                items[i] = item;
            }

            if (block is not null)
            {
                arena.SetBlock(chunk, block);
                Volatile.Write(ref anyInexact, true);
            }
        });
        _texts = texts;
        _arena = arena;

        if (!anyInexact)
        {
            // Short texts (methods): their 16 characters decide, and there are few of them to rank.
            var ranked = GC.AllocateUninitializedArray<SortItem>(items.Length);
            for (var i = 0; i < items.Length; i++)
            {
                ranked[i] = new SortItem(items[i].K0, items[i].K1, items[i].Slot);
            }

            return Slots(Sort(ranked));
        }

        return SortTextItems(items);
    }

    /// <summary>
    /// About how long the texts of an order are, from a few flows: the size of the blocks that keep them. Texts
    /// that do not fit make a block grow, which costs a copy, not a wrong result.
    /// </summary>
    private int SampleTextLength(OrderKey order, int[] live)
    {
        if (live.Length == 0)
        {
            return 0;
        }

        Span<char> scratch = stackalloc char[256];
        var total = 0;
        var step = Math.Max(1, live.Length / 64);
        var sampled = 0;
        for (var i = 0; i < live.Length; i += step, sampled++)
        {
            var slot = live[i];
            var length = _flows[slot] is { } flow ? order.WriteText(flow, scratch) : WriteColdText(order, slot, scratch);
            total += Math.Abs(length);
        }

        return total / sampled;
    }

    /// <summary>
    /// The slots of text items in order: sorted by their 48-character keys (two halves side by side, then merged
    /// straight into the slot list), texts that share all 48 put in order by comparing them whole.
    /// </summary>
    private List<int> SortTextItems(TextSortItem[] items)
    {
        var slots = new List<int>(items.Length);
        var runStart = 0;
        TextSortItem runKey = default;
        void Emit(in TextSortItem item)
        {
            if (slots.Count > 0 && !item.SameKey(runKey))
            {
                SortUndecidedRun(slots, runStart, runKey);
                runStart = slots.Count;
            }

            if (slots.Count == runStart)
            {
                runKey = item;
            }

            slots.Add(item.Slot);
        }

        if (items.Length < 2 * ChunkSize)
        {
            items.AsSpan().Sort();
            foreach (var item in items)
            {
                Emit(item);
            }
        }
        else
        {
            var middle = items.Length / 2;
            Parallel.Invoke(() => items.AsSpan(0, middle).Sort(), () => items.AsSpan(middle).Sort());
            int left = 0, right = middle;
            while (left < middle && right < items.Length)
            {
                Emit(items[left].CompareTo(items[right]) <= 0 ? items[left++] : items[right++]);
            }

            while (left < middle)
            {
                Emit(items[left++]);
            }

            while (right < items.Length)
            {
                Emit(items[right++]);
            }
        }

        if (slots.Count > 0)
        {
            SortUndecidedRun(slots, runStart, runKey);
        }

        return slots;
    }

    /// <summary>Slots whose texts share their first 48 characters, put in order by comparing the texts whole.</summary>
    private void SortUndecidedRun(List<int> slots, int start, in TextSortItem key)
    {
        if (slots.Count - start > 1 && !key.Exact48)
        {
            CollectionsMarshal.AsSpan(slots)[start..].Sort(CompareSlots);
        }
    }

    /// <summary>Every live slot in insertion order.</summary>
    private int[] LiveSlots()
    {
        var slots = GC.AllocateUninitializedArray<int>(_ids.Count);
        var next = 0;
        for (var slot = 0; slot < _slots; slot++)
        {
            if (IsLive(slot))
            {
                slots[next++] = slot;
            }
        }

        return slots;
    }

    /// <summary>Every live slot in insertion order, as sort items to be given keys.</summary>
    private SortItem[] LiveItems()
    {
        var items = GC.AllocateUninitializedArray<SortItem>(_ids.Count);
        var next = 0;
        for (var slot = 0; slot < _slots; slot++)
        {
            if (IsLive(slot))
            {
                items[next++] = new SortItem(0, 0, slot);
            }
        }

        return items;
    }

    private static List<int> Slots(SortItem[] items)
    {
        var slots = new List<int>(items.Length);
        foreach (var item in items)
        {
            slots.Add(item.Slot);
        }

        return slots;
    }

    /// <summary>Sorts the items of a whole order: by rank when the keys are few, else with <see cref="ParallelSort{T}"/>.</summary>
    private static SortItem[] Sort(SortItem[] items) => SortItem.TrySortByRank(items) ? items : ParallelSort(items);

    /// <summary>Sorts two halves side by side and merges them (items are unique, so the result is stable).</summary>
    private static T[] ParallelSort<T>(T[] items)
        where T : IComparable<T>
    {
        if (items.Length < 2 * ChunkSize)
        {
            items.AsSpan().Sort();
            return items;
        }

        var middle = items.Length / 2;
        Parallel.Invoke(() => items.AsSpan(0, middle).Sort(), () => items.AsSpan(middle).Sort());
        var merged = GC.AllocateUninitializedArray<T>(items.Length);
        int left = 0, right = middle, next = 0;
        while (left < middle && right < items.Length)
        {
            merged[next++] = items[left].CompareTo(items[right]) <= 0 ? items[left++] : items[right++];
        }

        items.AsSpan(left, middle - left).CopyTo(merged.AsSpan(next));
        next += middle - left;
        items.AsSpan(right).CopyTo(merged.AsSpan(next));
        return merged;
    }

    /// <summary>Caches the key of a slot's flow under the current order.</summary>
    private void SetKey(int slot, Flow flow)
    {
        if (!Order.IsText)
        {
            _keyHigh[slot] = Biased(Order.NumberOf(flow));
            _keyLow[slot] = 0;
            return;
        }

        SetTextKey(slot, Order.TextOf(flow));
    }

    private void SetKey(int slot, FlowSummary summary)
    {
        if (!Order.IsText)
        {
            _keyHigh[slot] = Biased(Order.NumberOf(summary));
            _keyLow[slot] = 0;
            return;
        }

        SetTextKey(slot, Order.TextOf(summary));
    }

    private void SetTextKey(int slot, string text)
    {
        var (high, low, exact) = TextSortItem.Abbreviate(text);
        _keyHigh[slot] = high;
        _keyLow[slot] = low;
        if (exact)
        {
            _flags[slot] &= unchecked((byte)~InexactFlag);
            return;
        }

        _flags[slot] |= InexactFlag;
        _texts ??= new TextRef[_flows.Length];
        _arena ??= new TextArena();
        _texts[slot] = _arena.Append(text);
    }

    private bool KeyChanged(int slot, Flow flow)
    {
        if (!Order.IsText)
        {
            return _keyHigh[slot] != Biased(Order.NumberOf(flow));
        }

        var text = Order.TextOf(flow);
        var (high, low, exact) = TextSortItem.Abbreviate(text);
        return high != _keyHigh[slot] || low != _keyLow[slot] ||
            (!exact && !text.AsSpan().SequenceEqual(_arena![_texts![slot]]));
    }

    /// <summary>The order of two slots: key, then insertion.</summary>
    private int CompareSlots(int a, int b)
    {
        if (_keyHigh[a] != _keyHigh[b])
        {
            return _keyHigh[a] < _keyHigh[b] ? -1 : 1;
        }

        if (_keyLow[a] != _keyLow[b])
        {
            return _keyLow[a] < _keyLow[b] ? -1 : 1;
        }

        // Equal abbreviations are both exact (equal texts) or both inexact.
        if ((_flags[a] & InexactFlag) != 0)
        {
            var byText = _arena![_texts![a]].SequenceCompareTo(_arena[_texts[b]]);
            if (byText != 0)
            {
                return byText;
            }
        }

        return a.CompareTo(b);
    }

    /// <summary>A cold flow's number key: time and size read from its row, others from its summary.</summary>
    private long ColdNumber(OrderKey order, int slot) =>
        order == OrderKey.Time ? _cold.UtcTicksOf(slot) : order == OrderKey.Size ? _cold.SizeOf(slot) : order.NumberOf(_cold.Get(slot));

    /// <summary>A cold flow's text key, as <see cref="OrderKey.WriteText"/> writes a hot one's: the URL straight from its row.</summary>
    private int WriteColdText(OrderKey order, int slot, Span<char> destination) =>
        order == OrderKey.Url ? _cold.WriteUrl(slot, destination) : WriteText(order.TextOf(_cold.Get(slot)), destination);

    /// <summary>Copies a text key as <see cref="OrderKey.WriteText"/> does: its length, or minus the room it needs.</summary>
    private static int WriteText(string text, Span<char> destination) => text.TryCopyTo(destination) ? text.Length : -text.Length;

    /// <summary>A number as an unsigned key that orders the same way.</summary>
    private static ulong Biased(long number) => unchecked((ulong)(number ^ long.MinValue));
}
