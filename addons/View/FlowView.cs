using System.Runtime.InteropServices;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;
using Addons.Abstractions.View;

namespace Addons.View;

/// <summary>
/// The store of every flow (by id, in insertion order) and the view: the flows that pass the filter (and, in
/// marked-only mode, are marked), sorted by an order key with ties in insertion order, optionally reversed. It keeps
/// the focus and per-flow settings, and reports each change as the messages mitmproxy's View signals.
/// Not thread-safe: the View addon calls it under one lock.
/// </summary>
/// <remarks>
/// Each flow gets a slot, its insertion number, and the per-flow state lives in arrays indexed by slot: no object per
/// flow for the garbage collector to trace, and the sorted lists are lists of slot numbers. A key is cached per slot
/// as two 64-bit numbers (a number, or the first 16 characters of a text), so sorting and searching compare integers
/// and read a full text only when two keys share those 16 characters.
/// <para>
/// A flow is hot (its object in <c>_flows</c>) or cold (only its <see cref="FlowSummary"/>, kept compactly in
/// <see cref="ColdFlows"/>, the flow itself in an <see cref="IFlowArchive"/>, loaded when someone asks for it). Keys,
/// marks and most filters are decided from the summary; a filter the summary cannot decide is asked of the archive for
/// all such flows at once. A <see cref="SlotIndex"/> finds a slot by id from the ids the slots already hold.
/// </para>
/// </remarks>
internal sealed partial class FlowView
{
    private const int ChunkSize = 16 * 1024;
    private const byte InViewFlag = 1;

    /// <summary>How many archives the view keeps cold flows of at once (an index per slot is a byte).</summary>
    public const int MaxArchives = 255;

    // A cold flow the filter could not decide from its summary, waiting for the archive's answer (out of the view).
    private const byte PendingFlag = 4;

    // The key's 16 characters do not decide: the text is longer, or has a character past the abbreviation's range.
    private const byte InexactFlag = 2;

    // Added, changed or made cold while a filter run was evaluating off the lock: decided again when it completes.
    private const byte TouchedFlag = 8;

    private readonly Action<object> _publish;
    private readonly Action<string>? _warn;
    private readonly SlotIndex _ids;
    private readonly Dictionary<Guid, Dictionary<string, string>> _settings = [];
    private Flow?[] _flows = new Flow?[64];
    private ColdFlows _cold = new();

    // The archives cold flows are kept in (the session, session files opened read-only); each cold row has its index.
    private readonly List<IFlowArchive> _archives = [];
    private ulong[] _keyHigh = new ulong[64];
    private ulong[] _keyLow = new ulong[64];
    private byte[] _flags = new byte[64];
    private TextRef[]? _texts;
    private TextArena? _arena;
    private int _slots;
    private int _holes;

    // Every flow of the store sorted by the current key, so a filter change is one pass without sorting; and the view.
    private List<int> _sorted = [];
    private readonly List<int> _view = [];
    private IFlowFilter? _filter;
    private int _focus = -1;

    // Counts filter changes, so that an archive's late answer to an older filter is dropped.
    private int _generation;

    // Counts compactions: a filter run's slot numbers are stale after one.
    private int _layout;

    // The filter change being evaluated off the lock, if any.
    private FilterRun? _run;

    /// <param name="publish">Receives each message the view emits.</param>
    /// <param name="warn">Told, in one sentence, of a cold flow the archive could not give where the view carries on without it.</param>
    public FlowView(Action<object> publish, Action<string>? warn = null)
    {
        _publish = publish;
        _warn = warn;
        _ids = new SlotIndex(slot => _flows[slot]?.Id ?? (_cold.Contains(slot) ? _cold.IdOf(slot) : Guid.Empty));
    }

    public OrderKey Order { get; private set; } = OrderKey.Time;

    public bool Reversed { get; private set; }

    public bool MarkedOnly { get; private set; }

    public bool FocusFollow { get; set; }

    /// <summary>The number of flows in the view.</summary>
    public int Count => _view.Count;

    /// <summary>The number of flows in the store.</summary>
    public int StoreCount => _ids.Count;

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

            return FlowAt(_view[Internal(actual)]);
        }
    }

    /// <summary>
    /// The rows at display positions <paramref name="offset"/> to <paramref name="offset"/> + <paramref name="limit"/>
    /// (fewer at the end), from the hot flows and the cold flows' summaries: nothing is loaded from the archive.
    /// </summary>
    public List<ViewRow> Rows(int offset, int limit)
    {
        var end = (int)Math.Min((long)offset + Math.Max(limit, 0), _view.Count);
        var rows = new List<ViewRow>(Math.Max(end - offset, 0));
        for (var index = Math.Max(offset, 0); index < end; index++)
        {
            var slot = _view[Internal(index)];
            rows.Add(_flows[slot] is { } flow
                ? new ViewRow { Index = index, Summary = FlowSummary.Of(flow), Duration = DurationOf(flow), Intercepted = flow.Intercepted, Live = flow.Live }
                : new ViewRow { Index = index, Summary = _cold.Get(slot), Cold = true });
        }

        return rows;
    }

    /// <summary>The focused flow's id, or null.</summary>
    public Guid? FocusId => FocusedId;

    private static TimeSpan? DurationOf(Flow flow)
    {
        DateTimeOffset? start = flow switch
        {
            HttpFlow http => http.Request.TimestampStart,
            DnsFlow dns => dns.Request.Timestamp,
            _ => flow.Client.TimestampStart ?? flow.TimestampCreated,
        };
        DateTimeOffset? end = flow switch
        {
            HttpFlow http => http.Response?.TimestampEnd,
            DnsFlow dns => dns.Response?.Timestamp,
            _ => flow.Live ? null : flow.Server.TimestampEnd ?? flow.Client.TimestampEnd,
        };
        return start is { } s && end is { } e && e >= s ? e - s : null;
    }

    /// <summary>The flows of the view in display order (cold ones loaded one at a time).</summary>
    public IEnumerable<Flow> Flows => Enumerable.Range(0, _view.Count).Select(i => FlowAt(_view[Internal(i)]));

    /// <summary>Every flow of the store in insertion order (cold ones loaded one at a time).</summary>
    public IEnumerable<Flow> StoreFlows => SelectByMark(null).Select(s => s.Flow ?? Get(s.Id)!);

    /// <summary>How many flows of the store are cold (kept in the archive as summaries).</summary>
    public int ColdCount => _cold.Count;

    /// <summary>The bytes the cold flows' summaries take in the view (see <see cref="ColdFlows.Bytes"/>), for measuring.</summary>
    internal long ColdBytes => _cold.Bytes;

    public Flow? FocusedFlow => _focus < 0 ? null : FlowAt(_focus);

    private Guid? FocusedId => _focus < 0 ? null : IdOf(_focus);

    public int? FocusIndex => _focus < 0 ? null : IndexOf(_focus);

    public bool InBounds(int index) => index >= 0 && index < _view.Count;

    public Flow? Get(Guid id) => _ids.Find(id) is var slot and >= 0 ? FlowAt(slot) : null;

    /// <summary>The archives cold flows have come from, in the order they came.</summary>
    public IReadOnlyList<IFlowArchive> Archives => _archives;

    /// <summary>
    /// The flows of the store in insertion order: all (<paramref name="marked"/> null), the marked or the unmarked ones.
    /// Decided without making cold flows' summaries; cold flows are left to load.
    /// </summary>
    public List<Selected> SelectByMark(bool? marked)
    {
        var selected = new List<Selected>();
        for (var slot = 0; slot < _slots; slot++)
        {
            var live = _flows[slot] is { } flow ? (bool?)(flow.Marked.Length > 0) : _cold.Contains(slot) ? _cold.IsMarked(slot) : null;
            if (live is { } isMarked && (marked is null || marked == isMarked))
            {
                selected.Add(SelectedAt(slot));
            }
        }

        return selected;
    }

    /// <summary>The flows of the view in display order, cold ones left to load.</summary>
    public List<Selected> SelectShown()
    {
        var selected = new List<Selected>(_view.Count);
        for (var i = 0; i < _view.Count; i++)
        {
            selected.Add(SelectedAt(_view[Internal(i)]));
        }

        return selected;
    }

    /// <summary>The flows of the store not in the view, in insertion order, cold ones left to load.</summary>
    public List<Selected> SelectHidden()
    {
        var selected = new List<Selected>();
        for (var slot = 0; slot < _slots; slot++)
        {
            if (IsLive(slot) && !InView(slot))
            {
                selected.Add(SelectedAt(slot));
            }
        }

        return selected;
    }

    /// <summary>
    /// The flows of the store that match <paramref name="filter"/> or may (cold flows their summary cannot decide,
    /// marked undecided, for the archive to match), in insertion order.
    /// </summary>
    public List<Selected> SelectMatching(IFlowFilter filter)
    {
        var selected = new List<Selected>();
        for (var slot = 0; slot < _slots; slot++)
        {
            if (_flows[slot] is { } flow)
            {
                if (filter.Matches(flow))
                {
                    selected.Add(new Selected(flow, flow.Id));
                }
            }
            else if (_cold.Contains(slot) && _cold.Get(slot) is var summary && filter.MatchesSummary(summary) is var decided && decided != false)
            {
                selected.Add(new Selected(null, summary.Id, ArchiveOf(slot), Undecided: decided is null));
            }
        }

        return selected;
    }

    public bool Contains(Flow flow) => SlotOf(flow) is var slot && slot >= 0 && InView(slot);

    /// <summary>Whether the store (not only the view) holds a flow with this id.</summary>
    public bool StoreContains(Guid id) => _ids.Find(id) >= 0;

    /// <summary>The display position of a flow in the view, or -1.</summary>
    public int IndexOf(Flow flow) => SlotOf(flow) is var slot && slot >= 0 && InView(slot) ? IndexOf(slot) : -1;

    /// <summary>Adds flows not yet in the store (known ids are ignored).</summary>
    public void Add(IEnumerable<Flow> flows)
    {
        foreach (var flow in flows)
        {
            Add(flow);
        }
    }

    /// <summary>Adds a flow not yet in the store (a known id is ignored); the proxy's hooks add one at a time.</summary>
    public void Add(Flow flow)
    {
        if (_ids.Find(flow.Id) >= 0)
        {
            return;
        }

        var slot = NewSlot(flow);
        _ids.Add(flow.Id, slot);
        InsertSorted(_sorted, slot);
        if (Passes(flow))
        {
            var before = FocusedId;
            var index = Insert(slot);
            _publish(new ViewFlowAdded { Flow = flow, Index = index });
            if (_focus < 0 || FocusFollow)
            {
                _focus = slot;
            }

            PublishFocusChange(before);
        }
    }

    /// <summary>The settings of a flow of the store, by id; a flow not in the store is an error.</summary>
    public IDictionary<string, string> Settings(Guid id)
    {
        if (!StoreContains(id))
        {
            throw new KeyNotFoundException($"Flow {id} is not in the view's store.");
        }

        ref var settings = ref CollectionsMarshal.GetValueRefOrAddDefault(_settings, id, out _);
        return settings ??= new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>Re-evaluates flows that changed: they may enter, leave or move within the view.</summary>
    public void Update(IEnumerable<Flow> flows)
    {
        foreach (var flow in flows)
        {
            Update(flow);
        }
    }

    /// <summary>Re-evaluates a flow that changed; the proxy's hooks update one at a time.</summary>
    public void Update(Flow flow)
    {
        var slot = SlotOf(flow);
        if (slot < 0)
        {
            return;
        }

        var before = FocusedId;
        if (_flows[slot] is null)
        {
            // A cold flow that changed (marked, commented...) is hot again until its new state is archived.
            _cold.Remove(slot);
        }

        _flows[slot] = flow;
        _flags[slot] &= unchecked((byte)~PendingFlag);
        Touch(slot);
        var wasInView = InView(slot);
        var passes = Passes(flow);
        if (wasInView && !passes)
        {
            var index = IndexOf(slot);
            RemoveFromView(slot);
            _publish(new ViewFlowRemoved { Flow = flow, Index = index });
        }

        if (KeyChanged(slot, flow))
        {
            // The sorted lists are ordered by the cached key: the flow moves out under its old key.
            _sorted.RemoveAt(FindIn(_sorted, slot));
            var stays = InView(slot);
            if (stays)
            {
                RemoveAt(slot);
            }

            SetKey(slot, flow);
            InsertSorted(_sorted, slot);
            if (stays)
            {
                Insert(slot);
                _publish(ViewRefreshed.Instance);
            }
        }

        if (passes && wasInView)
        {
            _publish(new ViewFlowUpdated { Flow = flow, Index = IndexOf(slot) });
        }
        else if (passes)
        {
            _publish(new ViewFlowAdded { Flow = flow, Index = Insert(slot) });
            if (_focus < 0 || FocusFollow)
            {
                _focus = slot;
            }
        }

        PublishFocusChange(before);
    }

    /// <summary>Removes flows from the view and the store, killing live ones first.</summary>
    public void Remove(IEnumerable<Flow> flows)
    {
        foreach (var flow in flows.ToList())
        {
            var slot = SlotOf(flow);
            if (slot < 0)
            {
                continue;
            }

            if (flow.Killable)
            {
                flow.Kill();
            }

            var before = FocusedId;
            if (InView(slot))
            {
                var index = IndexOf(slot);
                RemoveFromView(slot);
                _publish(new ViewFlowRemoved { Flow = flow, Index = index });
            }

            _sorted.RemoveAt(FindIn(_sorted, slot));
            Forget(slot);
            _publish(new StoreFlowRemoved { Flow = flow });
            PublishFocusChange(before);
        }

        if (_holes > 1024 && _holes > _slots / 2)
        {
            Compact();
        }
    }

    /// <summary>Empties the store and the view.</summary>
    public void Clear()
    {
        var before = FocusedId;
        _ids.Clear();
        _settings.Clear();
        _flows = new Flow?[64];
        _cold = new ColdFlows();
        _archives.Clear();
        _generation++;
        _keyHigh = new ulong[64];
        _keyLow = new ulong[64];
        _flags = new byte[64];
        _texts = Order.IsText ? new TextRef[64] : null;
        _arena = Order.IsText ? new TextArena() : null;
        _slots = 0;
        _holes = 0;
        _sorted.Clear();
        _view.Clear();
        _focus = -1;
        _publish(ViewRefreshed.Instance);
        _publish(StoreRefreshed.Instance);
        PublishFocusChange(before);
    }

    /// <summary>Drops every unmarked flow from the store; returns the cold flows left for the archive, as <see cref="SetFilter"/>.</summary>
    public ArchiveQuery? ClearUnmarked()
    {
        var before = FocusedId;
        for (var slot = 0; slot < _slots; slot++)
        {
            if (_flows[slot] is { } flow ? flow.Marked.Length == 0 : _cold.Contains(slot) && !_cold.IsMarked(slot))
            {
                if (_focus == slot)
                {
                    // Refilter moves the focus from a flow that left; one that left the store starts over.
                    _focus = -1;
                }

                Forget(slot);
            }
        }

        _sorted.RemoveAll(slot => !IsLive(slot));
        _view.RemoveAll(slot => !IsLive(slot));
        Compact();
        var query = Refilter(before);
        _publish(StoreRefreshed.Instance);
        return query;
    }

    /// <summary>Sorts by another key; reversal stays as it is.</summary>
    public void SetOrder(OrderKey order)
    {
        var before = FocusedId;
        Order = order;
        _sorted = order.IsText ? SortByText(order) : SortByNumber(order);
        RebuildView();
        _publish(ViewRefreshed.Instance);
        PublishFocusChange(before);
    }

    public void SetReversed(bool reversed)
    {
        var before = FocusedId;
        Reversed = reversed;
        _publish(ViewRefreshed.Instance);
        PublishFocusChange(before);
    }

    /// <summary>Focuses a flow of the view; a flow not in the view is an error.</summary>
    public void Focus(Flow? flow)
    {
        var before = FocusedId;
        if (flow is null)
        {
            _focus = -1;
        }
        else if (SlotOf(flow) is var slot && slot >= 0 && InView(slot))
        {
            _focus = slot;
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

        // By slot: focusing a cold flow does not load it.
        var before = FocusedId;
        _focus = _view[Internal(index)];
        PublishFocusChange(before);
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
    public IDictionary<string, string> Settings(Flow flow) => Settings(flow.Id);

    /// <summary>How many flows have settings (entries go with their flows).</summary>
    public int SettingsCount => _settings.Values.Count(s => s.Count > 0);

    /// <summary>Where a flow of the store stands or would stand in the display order; keeps focus near a flow that left the view.</summary>
    public int InsertionPoint(Flow flow)
    {
        var slot = SlotOf(flow);
        return slot >= 0 ? InsertionPointOf(slot) : throw new ArgumentException($"Flow {flow.Id} is not in the view's store.", nameof(flow));
    }

    private int InsertionPointOf(int slot)
    {
        var position = LowerBound(_view, slot);
        return Reversed ? _view.Count - position : position;
    }

    private bool Passes(Flow flow) => FilterRun.Passes(flow, _filter, MarkedOnly);

    /// <summary>Whether a cold flow passes, when its summary decides; null when only the archive can tell.</summary>
    private bool? Passes(FlowSummary summary) => FilterRun.Passes(summary, _filter, MarkedOnly);

    private bool InView(int slot) => (_flags[slot] & InViewFlag) != 0;

    private bool IsLive(int slot) => _flows[slot] is not null || _cold.Contains(slot);

    private Guid IdOf(int slot) => _flows[slot]?.Id ?? _cold.IdOf(slot);

    private Selected SelectedAt(int slot) => _flows[slot] is { } flow ? new Selected(flow, flow.Id) : new Selected(null, _cold.IdOf(slot), ArchiveOf(slot));

    private int SlotOf(Flow flow) => _ids.Find(flow.Id);

    /// <summary>Reports a change of the focused flow (a shift of its index alone is not a change).</summary>
    private void PublishFocusChange(Guid? before)
    {
        if (before != FocusedId)
        {
            _publish(new ViewFocusChanged { Flow = _focus < 0 ? null : TryFlowAt(_focus), Index = FocusIndex });
        }
    }
}
