using System.Runtime.InteropServices;
using Addons.Abstractions.Filters;
using Addons.Abstractions.View;

namespace Addons.View;

/// <summary>The filter and marked-only mode: which flows of the store the view shows.</summary>
internal sealed partial class FlowView
{
    /// <summary>The filter the view shows, or is about to once a run completes.</summary>
    public IFlowFilter? IntendedFilter => _run is null ? _filter : _run.Filter;

    /// <summary>Whether the view shows, or is about to show, only marked flows.</summary>
    public bool IntendedMarkedOnly => _run?.MarkedOnly ?? MarkedOnly;

    /// <summary>
    /// Sets the filter (null: every flow) and rebuilds the view; returns the cold flows left for the archive to match,
    /// to be run outside the lock and handed to <see cref="Complete"/>, or null.
    /// </summary>
    public ArchiveQuery? SetFilter(IFlowFilter? filter)
    {
        _filter = filter;
        return Refilter(FocusedId);
    }

    /// <summary>Shows only marked flows, or every flow; returns the cold flows left for the archive, as <see cref="SetFilter"/>.</summary>
    public ArchiveQuery? SetMarkedOnly(bool markedOnly)
    {
        MarkedOnly = markedOnly;
        return Refilter(FocusedId);
    }

    /// <summary>
    /// Starts a filter change to be evaluated off the lock (<see cref="FilterRun.Evaluate"/>) and applied with
    /// <see cref="CompleteFilter"/>; until then the view shows what the old filter passes. A later run supersedes it.
    /// </summary>
    public FilterRun BeginFilter(IFlowFilter? filter, bool markedOnly)
    {
        _generation++;
        _run = new FilterRun(filter, markedOnly, _flows, _cold, _slots, _generation, _layout);
        return _run;
    }

    /// <summary>
    /// Applies an evaluated run: flows added or changed meanwhile are decided now, the others take the run's answer.
    /// When the store was cleared, compacted or refiltered meanwhile, the whole store is decided again under the lock.
    /// Returns the cold flows left for the archive, as <see cref="SetFilter"/>; a superseded run changes nothing.
    /// </summary>
    public ArchiveQuery? CompleteFilter(FilterRun run)
    {
        if (!ReferenceEquals(run, _run))
        {
            return null;
        }

        _run = null;
        _filter = run.Filter;
        MarkedOnly = run.MarkedOnly;
        return run.Generation == _generation && run.Layout == _layout ? Apply(run, FocusedId) : Refilter(FocusedId);
    }

    /// <summary>
    /// Takes the archive's answer to a query of <see cref="SetFilter"/>: the matching flows enter the view (the focus
    /// stays where it is, or goes to the first flow when there was none). An answer to an older filter is dropped.
    /// </summary>
    public void Complete(ArchiveQuery query, IReadOnlySet<Guid> matched)
    {
        if (query.Generation != _generation)
        {
            return;
        }

        var before = FocusedId;
        foreach (var id in query.Ids)
        {
            if (_ids.Find(id) is var slot and >= 0 && (_flags[slot] & PendingFlag) != 0)
            {
                _flags[slot] &= unchecked((byte)~PendingFlag);
                if (matched.Contains(id))
                {
                    _flags[slot] |= InViewFlag;
                }
            }
        }

        RebuildView();
        if (_focus < 0 && _view.Count > 0)
        {
            _focus = _view[Internal(0)];
        }

        _publish(ViewRefreshed.Instance);
        PublishFocusChange(before);
    }

    /// <summary>
    /// Evaluates the filter on every flow, under the lock, and rebuilds the view; <paramref name="before"/> is the
    /// focus the caller saw. Cold flows the summary cannot decide stay out of the view, pending, and are returned as a
    /// query for the archive.
    /// </summary>
    private ArchiveQuery? Refilter(Guid? before)
    {
        _generation++;
        var run = new FilterRun(_filter, MarkedOnly, _flows, _cold, _slots, _generation, _layout);
        run.Evaluate();
        return Apply(run, before);
    }

    /// <summary>Sets each flow's place in or out of the view from the run's answers, then the focus.</summary>
    private ArchiveQuery? Apply(FilterRun run, Guid? before)
    {
        var flags = _flags;
        var results = run.Results;
        var pending = new Dictionary<byte, List<Guid>>();
        for (var slot = 0; slot < _slots; slot++)
        {
            if (!IsLive(slot))
            {
                continue;
            }

            var result = slot < run.Slots && (flags[slot] & TouchedFlag) == 0 && results[slot] != FilterRun.Again
                ? results[slot]
                : DecideNow(slot);
            flags[slot] = Decided(flags[slot], result == FilterRun.In);
            if (result != FilterRun.Undecided)
            {
                continue;
            }

            if (slot == _focus)
            {
                // The focus moves only if its flow leaves: that one flow is loaded and decided now (a flow the archive
                // cannot give does not pass).
                if (TryFlowAt(slot) is { } focused && Passes(focused))
                {
                    flags[slot] |= InViewFlag;
                }
            }
            else if (_filter is not null)
            {
                flags[slot] |= PendingFlag;
                var archive = _cold.ArchiveOf(slot);
                if (!pending.TryGetValue(archive, out var ids))
                {
                    pending[archive] = ids = [];
                }

                ids.Add(_cold.IdOf(slot));
            }
        }

        var focusLeft = _focus >= 0 && !InView(_focus);
        RebuildView();

        if (_view.Count == 0)
        {
            _focus = -1;
        }
        else if (_focus < 0)
        {
            _focus = _view[Internal(0)];
        }
        else if (focusLeft)
        {
            // The focus goes to the flow that now stands where the lost one would be.
            var position = Math.Min(InsertionPointOf(_focus), _view.Count - 1);
            _focus = _view[Internal(position)];
        }

        _publish(ViewRefreshed.Instance);
        PublishFocusChange(before);
        return pending.Count == 0 ? null : new ArchiveQuery([.. pending.Select(p => new ArchivePart(_archives[p.Key], p.Value))], _filter!, _generation);
    }

    /// <summary>A flow's answer under the current filter, read under the lock.</summary>
    private byte DecideNow(int slot)
    {
        var passes = _flows[slot] is { } flow ? Passes(flow) : _cold.Contains(slot) ? Passes(_cold.Get(slot)) : false;
        return passes switch { true => FilterRun.In, false => FilterRun.Out, null => FilterRun.Undecided };
    }

    private static byte Decided(byte flags, bool passes) =>
        passes ? (byte)((flags | InViewFlag) & ~(PendingFlag | TouchedFlag)) : (byte)(flags & ~(InViewFlag | PendingFlag | TouchedFlag));

    /// <summary>Notes that a flow changed while a filter run reads the store, so that its answer is not trusted.</summary>
    private void Touch(int slot)
    {
        if (_run is not null)
        {
            _flags[slot] |= TouchedFlag;
        }
    }

    /// <summary>The view is the sorted store without the flows that do not pass.</summary>
    private void RebuildView()
    {
        _view.Clear();
        var flags = _flags;
        foreach (var slot in CollectionsMarshal.AsSpan(_sorted))
        {
            if ((flags[slot] & InViewFlag) != 0)
            {
                _view.Add(slot);
            }
        }
    }
}
