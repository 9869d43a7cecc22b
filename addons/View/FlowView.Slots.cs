using Addons.Abstractions.Flows;

namespace Addons.View;

/// <summary>Slots: taking one for a new flow, freeing it, compacting the arrays, and keeping the sorted lists of slots.</summary>
internal sealed partial class FlowView
{
    private int NewSlot(Flow? flow)
    {
        if (_slots == _flows.Length)
        {
            var capacity = _slots * 2;
            Array.Resize(ref _flows, capacity);
            Array.Resize(ref _keyHigh, capacity);
            Array.Resize(ref _keyLow, capacity);
            Array.Resize(ref _flags, capacity);

            if (_texts is not null)
            {
                Array.Resize(ref _texts, capacity);
            }
        }

        var slot = _slots++;
        _flows[slot] = flow;
        _flags[slot] = 0;
        if (flow is not null)
        {
            SetKey(slot, flow);
        }

        return slot;
    }

    /// <summary>Drops a slot from the store (the caller has taken it out of the sorted lists).</summary>
    private void Forget(int slot)
    {
        var id = IdOf(slot);
        _ids.Remove(id);
        _settings.Remove(id);
        _cold.Remove(slot);
        _flows[slot] = null;
        _flags[slot] = 0;
        _holes++;
    }

    /// <summary>Renumbers the slots without the holes removals left; relative order, and so every sorted list, stays.</summary>
    private void Compact()
    {
        var map = new int[_slots];
        var next = 0;
        for (var slot = 0; slot < _slots; slot++)
        {
            map[slot] = IsLive(slot) ? next++ : -1;
        }

        _cold.Compact(map, next);
        next = 0;
        for (var slot = 0; slot < _slots; slot++)
        {
            if (map[slot] < 0)
            {
                continue;
            }

            _flows[next] = _flows[slot];
            _keyHigh[next] = _keyHigh[slot];
            _keyLow[next] = _keyLow[slot];
            _flags[next] = _flags[slot];
            if (_texts is not null)
            {
                _texts[next] = _texts[slot];
            }

            next++;
        }

        Array.Clear(_flows, next, _slots - next);

        _slots = next;
        _ids.Rebuild(next);
        _holes = 0;
        _layout++;
        for (var i = 0; i < _sorted.Count; i++)
        {
            _sorted[i] = map[_sorted[i]];
        }

        for (var i = 0; i < _view.Count; i++)
        {
            _view[i] = map[_view[i]];
        }

        _focus = _focus < 0 ? -1 : map[_focus];
    }

    /// <summary>Puts a slot into the view; returns its display index (known without a search when it is appended).</summary>
    private int Insert(int slot)
    {
        var index = InsertSorted(_view, slot);
        _flags[slot] |= InViewFlag;
        return Internal(index);
    }

    /// <summary>Equal keys keep insertion order: a slot goes after every slot that does not sort after it.</summary>
    private int InsertSorted(List<int> list, int slot)
    {
        if (list.Count == 0 || CompareSlots(list[^1], slot) <= 0)
        {
            list.Add(slot);
            return list.Count - 1;
        }

        var index = LowerBound(list, slot);
        list.Insert(index, slot);
        return index;
    }

    private int FindIn(List<int> list, int slot)
    {
        // Keys with slots are unique, so the lower bound is the slot itself when it is there.
        var index = LowerBound(list, slot);
        return index < list.Count && list[index] == slot
            ? index
            : throw new InvalidOperationException($"Flow {IdOf(slot)} is not where its key says.");
    }

    private void RemoveFromView(int slot)
    {
        var index = _focus == slot ? IndexOf(slot) : -1;
        RemoveAt(slot);
        if (index >= 0)
        {
            _focus = _view.Count == 0 ? -1 : _view[Internal(Math.Min(index, _view.Count - 1))];
        }
    }

    private void RemoveAt(int slot)
    {
        _view.RemoveAt(FindIn(_view, slot));
        _flags[slot] &= unchecked((byte)~InViewFlag);
    }

    private int IndexOf(int slot) => Internal(FindIn(_view, slot));

    private int Internal(int displayIndex) => Reversed ? _view.Count - 1 - displayIndex : displayIndex;

    private int LowerBound(List<int> list, int slot)
    {
        int low = 0, high = list.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (CompareSlots(list[mid], slot) < 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
