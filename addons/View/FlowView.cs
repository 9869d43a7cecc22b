using Addons.Abstractions.Flows;
using Addons.Abstractions.View;

namespace Addons.View;

/// <summary>
/// The store of every flow (by id, in insertion order) and the view: the flows that pass the filter (and, in
/// marked-only mode, are marked), sorted by an order key with ties in insertion order, optionally reversed. It keeps
/// the focus and per-flow settings, and reports each change as the messages mitmproxy's View signals.
/// Not thread-safe: the View addon calls it under one lock.
/// </summary>
internal sealed class FlowView
{
    private readonly Dictionary<Guid, ViewEntry> _store = [];
    private readonly List<ViewEntry> _storeOrder = [];
    private readonly List<ViewEntry> _view = [];

    // Every store entry sorted by the current key: a filter change is then one pass over it, without sorting.
    private List<ViewEntry> _sorted = [];
    private readonly Action<object> _publish;
    private Func<Flow, bool> _filter = static _ => true;
    private const int ChunkSize = 16 * 1024;
    private long _sequence;
    private ViewEntry? _focus;

    public FlowView(Action<object> publish) => _publish = publish;

    public OrderKey Order { get; private set; } = OrderKey.Time;

    public bool Reversed { get; private set; }

    public bool MarkedOnly { get; private set; }

    public bool FocusFollow { get; set; }

    /// <summary>The number of flows in the view.</summary>
    public int Count => _view.Count;

    /// <summary>The number of flows in the store.</summary>
    public int StoreCount => _store.Count;

    /// <summary>The flow at a display position; negative positions count from the end.</summary>
    public Flow this[int index]
    {
        get
        {
            var actual = index < 0 ? _view.Count + index : index;
            if (actual < 0 || actual >= _view.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, $"The view has {_view.Count} flows.");
            }

            return _view[Internal(actual)].Flow;
        }
    }

    /// <summary>The flows of the view in display order.</summary>
    public IEnumerable<Flow> Flows => Enumerable.Range(0, _view.Count).Select(i => _view[Internal(i)].Flow);

    /// <summary>Every flow of the store in insertion order.</summary>
    public IEnumerable<Flow> StoreFlows => _storeOrder.Select(e => e.Flow);

    public Flow? FocusedFlow => _focus?.Flow;

    public int? FocusIndex => _focus is null ? null : IndexOf(_focus);

    public bool InBounds(int index) => index >= 0 && index < _view.Count;

    public Flow? Get(Guid id) => _store.TryGetValue(id, out var entry) ? entry.Flow : null;

    public bool Contains(Flow flow) => _store.TryGetValue(flow.Id, out var entry) && entry.InView;

    /// <summary>The display position of a flow in the view, or -1.</summary>
    public int IndexOf(Flow flow) => _store.TryGetValue(flow.Id, out var entry) && entry.InView ? IndexOf(entry) : -1;

    /// <summary>Adds flows not yet in the store (known ids are ignored).</summary>
    public void Add(IEnumerable<Flow> flows)
    {
        foreach (var flow in flows)
        {
            if (_store.ContainsKey(flow.Id))
            {
                continue;
            }

            var entry = new ViewEntry(flow, _sequence++, Order.KeyOf(flow));
            _store.Add(flow.Id, entry);
            _storeOrder.Add(entry);
            InsertSorted(_sorted, entry);
            if (Passes(flow))
            {
                var before = _focus;
                var index = Insert(entry);
                _publish(new ViewFlowAdded(flow, index));
                if (_focus is null || FocusFollow)
                {
                    _focus = entry;
                }

                PublishFocusChange(before);
            }
        }
    }

    /// <summary>Re-evaluates flows that changed: they may enter, leave or move within the view.</summary>
    public void Update(IEnumerable<Flow> flows)
    {
        foreach (var flow in flows)
        {
            if (!_store.TryGetValue(flow.Id, out var entry))
            {
                continue;
            }

            var before = _focus;
            var wasInView = entry.InView;
            var passes = Passes(flow);
            if (wasInView && !passes)
            {
                var index = IndexOf(entry);
                RemoveFromView(entry);
                _publish(new ViewFlowRemoved(flow, index));
            }

            var key = Order.KeyOf(flow);
            if (key != entry.Key)
            {
                // The sorted lists are ordered by the cached key: the entry moves out under its old key.
                _sorted.RemoveAt(FindIn(_sorted, entry));
                var stays = entry.InView;
                if (stays)
                {
                    RemoveAt(entry);
                }

                entry.Key = key;
                InsertSorted(_sorted, entry);
                if (stays)
                {
                    Insert(entry);
                    _publish(ViewRefreshed.Instance);
                }
            }

            if (passes && wasInView)
            {
                _publish(new ViewFlowUpdated(flow, IndexOf(entry)));
            }
            else if (passes)
            {
                _publish(new ViewFlowAdded(flow, Insert(entry)));
                if (_focus is null || FocusFollow)
                {
                    _focus = entry;
                }
            }

            PublishFocusChange(before);
        }
    }

    /// <summary>Removes flows from the view and the store, killing live ones first.</summary>
    public void Remove(IEnumerable<Flow> flows)
    {
        foreach (var flow in flows.ToList())
        {
            if (!_store.TryGetValue(flow.Id, out var entry))
            {
                continue;
            }

            if (flow.Killable)
            {
                flow.Kill();
            }

            var before = _focus;
            if (entry.InView)
            {
                var index = IndexOf(entry);
                RemoveFromView(entry);
                _publish(new ViewFlowRemoved(flow, index));
            }

            _store.Remove(flow.Id);
            _storeOrder.Remove(entry);
            _sorted.RemoveAt(FindIn(_sorted, entry));
            _publish(new StoreFlowRemoved(flow));
            PublishFocusChange(before);
        }
    }

    /// <summary>Empties the store and the view.</summary>
    public void Clear()
    {
        var before = _focus;
        _store.Clear();
        _storeOrder.Clear();
        _sorted.Clear();
        _view.Clear();
        _focus = null;
        _publish(ViewRefreshed.Instance);
        _publish(StoreRefreshed.Instance);
        PublishFocusChange(before);
    }

    /// <summary>Drops every unmarked flow from the store.</summary>
    public void ClearUnmarked()
    {
        foreach (var entry in _storeOrder.Where(e => e.Flow.Marked.Length == 0).ToList())
        {
            _store.Remove(entry.Flow.Id);
            _storeOrder.Remove(entry);
            entry.InView = false;
        }

        _sorted = [.. _sorted.Where(e => _store.ContainsKey(e.Flow.Id))];
        Refilter();
        _publish(StoreRefreshed.Instance);
    }

    /// <summary>Sets the filter (null: every flow) and rebuilds the view.</summary>
    public void SetFilter(Func<Flow, bool>? filter)
    {
        _filter = filter ?? (static _ => true);
        Refilter();
    }

    public void SetMarkedOnly(bool markedOnly)
    {
        MarkedOnly = markedOnly;
        Refilter();
    }

    /// <summary>Sorts by another key; reversal stays as it is.</summary>
    public void SetOrder(OrderKey order)
    {
        var before = _focus;
        Order = order;
        var entries = _sorted;
        Parallel.For(0, (entries.Count + ChunkSize - 1) / ChunkSize, chunk =>
        {
            var end = Math.Min((chunk + 1) * ChunkSize, entries.Count);
            for (var i = chunk * ChunkSize; i < end; i++)
            {
                entries[i].Key = order.KeyOf(entries[i].Flow);
            }
        });
        _sorted = ParallelSort(entries);
        RebuildView();
        _publish(ViewRefreshed.Instance);
        PublishFocusChange(before);
    }

    public void SetReversed(bool reversed)
    {
        var before = _focus;
        Reversed = reversed;
        _publish(ViewRefreshed.Instance);
        PublishFocusChange(before);
    }

    /// <summary>Focuses a flow of the view; a flow not in the view is an error.</summary>
    public void Focus(Flow? flow)
    {
        var before = _focus;
        if (flow is null)
        {
            _focus = null;
        }
        else if (_store.TryGetValue(flow.Id, out var entry) && entry.InView)
        {
            _focus = entry;
        }
        else
        {
            throw new ArgumentException($"Flow {flow.Id} is not in the view, so it cannot have the focus.", nameof(flow));
        }

        PublishFocusChange(before);
    }

    /// <summary>Focuses a display position; out of bounds is an error.</summary>
    public void FocusAt(int index)
    {
        if (!InBounds(index))
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The view has {_view.Count} flows.");
        }

        Focus(this[index]);
    }

    /// <summary>view.focus.go: a position, negative from the end, clamped; nothing on an empty view.</summary>
    public void Go(int offset)
    {
        if (_view.Count == 0)
        {
            return;
        }

        var index = offset < 0 ? _view.Count + offset : offset;
        FocusAt(Math.Clamp(index, 0, _view.Count - 1));
    }

    /// <summary>view.focus.next/prev: one step if it stays in bounds; nothing without focus.</summary>
    public void Step(int delta)
    {
        if (FocusIndex is { } index && InBounds(index + delta))
        {
            FocusAt(index + delta);
        }
    }

    /// <summary>The settings of a flow in the store; a flow not in the store is an error.</summary>
    public IDictionary<string, string> Settings(Flow flow) =>
        _store.TryGetValue(flow.Id, out var entry)
            ? entry.Settings ??= new Dictionary<string, string>(StringComparer.Ordinal)
            : throw new KeyNotFoundException($"Flow {flow.Id} is not in the view's store.");

    /// <summary>How many flows have settings (entries go with their flows).</summary>
    public int SettingsCount => _storeOrder.Count(e => e.Settings is { Count: > 0 });

    /// <summary>Where a flow would go in the display order; used to keep focus near a flow that left the view.</summary>
    public int InsertionPoint(Flow flow)
    {
        var key = Order.KeyOf(flow);
        var sequence = _store.TryGetValue(flow.Id, out var entry) ? entry.Sequence : long.MaxValue;
        var position = LowerBound(_view, new ViewEntry(flow, sequence, key));
        return Reversed ? _view.Count - position : position;
    }

    private bool Passes(Flow flow) => (!MarkedOnly || flow.Marked.Length > 0) && _filter(flow);

    private void Refilter()
    {
        var before = _focus;
        var entries = _sorted;
        var passes = new bool[entries.Count];
        Parallel.For(0, (entries.Count + ChunkSize - 1) / ChunkSize, chunk =>
        {
            var end = Math.Min((chunk + 1) * ChunkSize, entries.Count);
            for (var i = chunk * ChunkSize; i < end; i++)
            {
                passes[i] = entries[i].InView = Passes(entries[i].Flow);
            }
        });

        // The flags sit in one array, so building the view does not visit every entry again.
        _view.Clear();
        for (var i = 0; i < passes.Length; i++)
        {
            if (passes[i])
            {
                _view.Add(entries[i]);
            }
        }

        if (_view.Count == 0)
        {
            _focus = null;
        }
        else if (before is null || !_store.ContainsKey(before.Flow.Id))
        {
            _focus = _view[Internal(0)];
        }
        else if (!before.InView)
        {
            // The focus goes to the flow that now stands where the lost one would be.
            var position = Math.Min(InsertionPoint(before.Flow), _view.Count - 1);
            _focus = _view[Internal(position)];
        }

        _publish(ViewRefreshed.Instance);
        PublishFocusChange(before);
    }

    /// <summary>The view is the sorted store without the entries that do not pass.</summary>
    private void RebuildView()
    {
        _view.Clear();
        foreach (var entry in _sorted)
        {
            if (entry.InView)
            {
                _view.Add(entry);
            }
        }
    }

    private static List<ViewEntry> ParallelSort(List<ViewEntry> entries)
    {
        // Keys are copied next to their entries so that comparing numbers touches no other memory.
        var items = new SortItem[entries.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var entry = entries[i];
            items[i] = new SortItem(entry.Key, entry.Sequence, entry);
        }

        var middle = items.Length / 2;
        if (items.Length < 2 * ChunkSize)
        {
            items.AsSpan().Sort(new SortItemComparer());
        }
        else
        {
            Parallel.Invoke(() => items.AsSpan(0, middle).Sort(new SortItemComparer()), () => items.AsSpan(middle).Sort(new SortItemComparer()));
        }

        // Merge the halves (keys with insertion numbers are unique, so the result is stable).
        var merged = new List<ViewEntry>(items.Length);
        if (items.Length < 2 * ChunkSize)
        {
            foreach (var item in items)
            {
                merged.Add(item.Entry);
            }

            return merged;
        }

        int left = 0, right = middle;
        var comparer = new SortItemComparer();
        while (left < middle && right < items.Length)
        {
            merged.Add(comparer.Compare(items[left], items[right]) <= 0 ? items[left++].Entry : items[right++].Entry);
        }

        while (left < middle)
        {
            merged.Add(items[left++].Entry);
        }

        while (right < items.Length)
        {
            merged.Add(items[right++].Entry);
        }

        return merged;
    }

    private readonly record struct SortItem(SortKey Key, long Sequence, ViewEntry Entry);

    private readonly struct SortItemComparer : IComparer<SortItem>
    {
        public int Compare(SortItem a, SortItem b) => EntryComparer.Order(a.Key, a.Sequence, b.Key, b.Sequence);
    }

    /// <summary>Puts an entry into the view; returns its display index (known without a search when it is appended).</summary>
    private int Insert(ViewEntry entry)
    {
        var index = InsertSorted(_view, entry);
        entry.InView = true;
        return Internal(index);
    }

    /// <summary>Equal keys keep insertion order: an entry goes after every entry that does not sort after it.</summary>
    private static int InsertSorted(List<ViewEntry> list, ViewEntry entry)
    {
        if (list.Count == 0 || EntryComparer.Order(list[^1], entry) <= 0)
        {
            list.Add(entry);
            return list.Count - 1;
        }

        var index = UpperBound(list, entry);
        list.Insert(index, entry);
        return index;
    }

    private static int FindIn(List<ViewEntry> list, ViewEntry entry)
    {
        var index = LowerBound(list, entry);
        while (index < list.Count && !ReferenceEquals(list[index], entry))
        {
            index++;
        }

        return index < list.Count ? index : throw new InvalidOperationException($"Flow {entry.Flow.Id} is not where its key says.");
    }

    private void RemoveFromView(ViewEntry entry)
    {
        var index = _focus == entry ? IndexOf(entry) : -1;
        RemoveAt(entry);
        if (index >= 0)
        {
            _focus = _view.Count == 0 ? null : _view[Internal(Math.Min(index, _view.Count - 1))];
        }
    }

    private void RemoveAt(ViewEntry entry)
    {
        _view.RemoveAt(FindIn(_view, entry));
        entry.InView = false;
    }

    private int IndexOf(ViewEntry entry) => Internal(FindIn(_view, entry));

    private int Internal(int displayIndex) => Reversed ? _view.Count - 1 - displayIndex : displayIndex;

    private static int LowerBound(List<ViewEntry> list, ViewEntry probe)
    {
        int low = 0, high = list.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (EntryComparer.Order(list[mid], probe) < 0)
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

    private static int UpperBound(List<ViewEntry> list, ViewEntry probe)
    {
        int low = 0, high = list.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (EntryComparer.Order(list[mid], probe) <= 0)
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

    /// <summary>Reports a change of the focused flow (a shift of its index alone is not a change).</summary>
    private void PublishFocusChange(ViewEntry? before)
    {
        if (!ReferenceEquals(before, _focus))
        {
            _publish(new ViewFocusChanged(_focus?.Flow, FocusIndex));
        }
    }
}
