using System.Runtime.InteropServices;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;
using Addons.Abstractions.View;

namespace Addons.View;

/// <summary>Cold flows: kept in archives as summaries, loaded and matched by the archive that holds each.</summary>
internal sealed partial class FlowView
{
    /// <summary>
    /// Lets flows <paramref name="archive"/> holds leave memory: each hot flow its summary still describes becomes cold.
    /// Flows the store does not hold are ignored.
    /// </summary>
    /// <exception cref="InvalidOperationException">The view already keeps flows of <see cref="MaxArchives"/> other archives.</exception>
    public void Archive(IFlowArchive archive, IReadOnlyList<FlowSummary> summaries)
    {
        var index = UseArchive(archive);

        foreach (var summary in summaries)
        {
            if (_ids.Find(summary.Id) is var slot and >= 0 && _flows[slot] is { } flow && FlowSummary.Of(flow) == summary)
            {
                // The archive's copy is the flow as it is now: the object may go. A live flow may still change, but
                // every change comes with a hook, whose update brings it back.
                _flows[slot] = null;
                _cold.Set(slot, summary, index);
                Touch(slot);
            }
        }
    }

    /// <summary>
    /// Adds flows not yet in the store as cold flows of <paramref name="archive"/>, in order, as <see cref="Add"/> adds
    /// (many at once are announced as one refresh rather than one message each, which would load every flow).
    /// </summary>
    /// <exception cref="InvalidOperationException">The view already keeps flows of <see cref="MaxArchives"/> other archives.</exception>
    public void AddCold(IFlowArchive archive, IReadOnlyList<FlowSummary> summaries)
    {
        var index = UseArchive(archive);
        var added = new List<(int Slot, FlowSummary Summary)>();
        foreach (var summary in summaries)
        {
            if (_ids.Find(summary.Id) < 0)
            {
                var slot = NewSlot(summary, index);
                _ids.Add(summary.Id, slot);
                added.Add((slot, summary));
            }
        }

        if (added.Count > 0)
        {
            AddCold(added);
        }
    }

    private IFlowArchive ArchiveOf(int slot) => _archives[_cold.ArchiveOf(slot)];

    /// <summary>A slot's flow: the hot object, or the cold flow loaded from the archive (a new object each time).</summary>
    private Flow FlowAt(int slot)
    {
        if (_flows[slot] is { } flow)
        {
            return flow;
        }

        var id = _cold.IdOf(slot);
        var archive = ArchiveOf(slot);
        return archive.Load(id)
            ?? throw new FlowArchiveException($"Flow {id} is no longer in {archive.Name}, which the view keeps it in.");
    }

    /// <summary>A slot's flow, or null when it is cold and the archive cannot give it (said to the warning callback).</summary>
    private Flow? TryFlowAt(int slot)
    {
        try
        {
            return FlowAt(slot);
        }
        catch (FlowArchiveException e)
        {
            _warn?.Invoke($"{e.Message} The view goes on without it.");
            return null;
        }
    }

    /// <summary>
    /// Asks the archives which of these cold slots match <paramref name="filter"/> and calls <paramref name="passes"/>
    /// for each.
    /// </summary>
    private void AskArchive(IFlowFilter? filter, List<int> slots, Action<int> passes)
    {
        if (slots.Count == 0 || filter is null)
        {
            return;
        }

        foreach (var group in slots.GroupBy(_cold.ArchiveOf))
        {
            var bySlot = group.ToDictionary(_cold.IdOf);
            foreach (var id in _archives[group.Key].Match(filter, bySlot.Keys))
            {
                if (bySlot.TryGetValue(id, out var slot))
                {
                    passes(slot);
                }
            }
        }
    }

    /// <summary>The index of an archive, taken in when new (a closed one with no cold flow left gives its place up).</summary>
    private byte UseArchive(IFlowArchive archive)
    {
        var index = _archives.FindIndex(a => ReferenceEquals(a, archive));
        if (index >= 0)
        {
            return (byte)index;
        }

        if (_archives.Count == MaxArchives)
        {
            var used = new bool[MaxArchives];
            for (var slot = 0; slot < _slots; slot++)
            {
                if (_flows[slot] is null && _cold.Contains(slot))
                {
                    used[_cold.ArchiveOf(slot)] = true;
                }
            }

            index = Enumerable.Range(0, MaxArchives).FirstOrDefault(i => !used[i] && !_archives[i].IsOpen, -1);
            if (index < 0)
            {
                throw new InvalidOperationException($"The view keeps flows of {MaxArchives} archives already, so it cannot take flows of {archive.Name} too; clear the view first.");
            }

            _archives[index] = archive;
            return (byte)index;
        }

        _archives.Add(archive);
        return (byte)(_archives.Count - 1);
    }

    private int NewSlot(FlowSummary summary, byte archive)
    {
        var slot = NewSlot((Flow?)null);
        _cold.Set(slot, summary, archive);
        SetKey(slot, summary);
        return slot;
    }

    /// <summary>Puts new cold slots into the sorted store and the view, and moves the focus as adding them one by one would.</summary>
    private void AddCold(List<(int Slot, FlowSummary Summary)> added)
    {
        var before = FocusedId;
        var bulk = added.Count > 1024;
        if (bulk)
        {
            _sorted = Order.IsText ? SortByText(Order) : SortByNumber(Order);
        }
        else
        {
            foreach (var (slot, _) in added)
            {
                InsertSorted(_sorted, slot);
            }
        }

        var undecided = new List<int>();
        foreach (var (slot, summary) in added)
        {
            switch (Passes(summary))
            {
                case true:
                    _flags[slot] |= InViewFlag;
                    break;
                case null:
                    undecided.Add(slot);
                    break;
            }
        }

        AskArchive(_filter, undecided, slot => _flags[slot] |= InViewFlag);
        var entered = added.Select(a => a.Slot).Where(InView).ToList();
        if (bulk)
        {
            RebuildView();
            _publish(ViewRefreshed.Instance);
        }
        else
        {
            var unannounced = false;
            foreach (var slot in entered)
            {
                _flags[slot] &= unchecked((byte)~InViewFlag);
                var index = Insert(slot);
                if (TryFlowAt(slot) is { } flow)
                {
                    _publish(new ViewFlowAdded { Flow = flow, Index = index });
                }
                else
                {
                    unannounced = true;
                }
            }

            if (unannounced)
            {
                // A flow the archive could not give is in the view all the same: followers re-read it.
                _publish(ViewRefreshed.Instance);
            }
        }

        if (entered.Count > 0 && (_focus < 0 || FocusFollow))
        {
            // One by one, the first added flow takes a missing focus, and with focus-follow each takes it in turn.
            _focus = FocusFollow ? entered[^1] : entered[0];
        }

        PublishFocusChange(before);
    }
}
