using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;

namespace Addons.View;

/// <summary>
/// A filter change evaluated off the view's lock: <see cref="FlowView.BeginFilter"/> takes a snapshot of the store
/// under the lock, <see cref="Evaluate"/> runs the filter over it on every core while the proxy goes on adding flows,
/// and <see cref="FlowView.CompleteFilter"/> applies the answers under the lock again, deciding anew only the flows
/// that were added or changed meanwhile.
/// </summary>
internal sealed class FilterRun
{
    /// <summary>Does not pass.</summary>
    public const byte Out = 0;

    /// <summary>Passes.</summary>
    public const byte In = 1;

    /// <summary>A cold flow only the archive can decide.</summary>
    public const byte Undecided = 2;

    /// <summary>The flow changed while it was read: decided again under the lock.</summary>
    public const byte Again = 3;

    private const int ChunkSize = 16 * 1024;

    private readonly Flow?[] _flows;
    private readonly ColdFlows _cold;

    internal FilterRun(IFlowFilter? filter, bool markedOnly, Flow?[] flows, ColdFlows cold, int slots, int generation, int layout)
    {
        Filter = filter;
        MarkedOnly = markedOnly;
        _flows = flows;
        _cold = cold;
        Slots = slots;
        Generation = generation;
        Layout = layout;
        Results = new byte[slots];
    }

    /// <summary>The filter to apply (null: every flow).</summary>
    public IFlowFilter? Filter { get; }

    /// <summary>Whether only marked flows pass.</summary>
    public bool MarkedOnly { get; }

    /// <summary>The slots the snapshot covers; later ones were added meanwhile.</summary>
    public int Slots { get; }

    /// <summary>The view's filter generation when the run began.</summary>
    public int Generation { get; }

    /// <summary>The view's slot layout when the run began (a compaction renumbers slots).</summary>
    public int Layout { get; }

    /// <summary>Per slot of the snapshot: <see cref="Out"/>, <see cref="In"/>, <see cref="Undecided"/> or <see cref="Again"/>.</summary>
    public byte[] Results { get; }

    /// <summary>Runs the filter over the snapshot; touches nothing the view's lock guards.</summary>
    public void Evaluate()
    {
        // Flows are visited in insertion order, which is the order they lie in memory.
        Parallel.For(0, (Slots + ChunkSize - 1) / ChunkSize, chunk =>
        {
            var end = Math.Min((chunk + 1) * ChunkSize, Slots);
            for (var slot = chunk * ChunkSize; slot < end; slot++)
            {
                MemoryAhead.Fetch(_flows, slot);
                Results[slot] = Decide(slot);
            }
        });
    }

    /// <summary>Whether a hot flow passes.</summary>
    public static bool Passes(Flow flow, IFlowFilter? filter, bool markedOnly) =>
        (!markedOnly || flow.Marked.Length > 0) && (filter is null || filter.Matches(flow));

    /// <summary>Whether a cold flow passes, when its summary decides; null when only the archive can tell.</summary>
    public static bool? Passes(FlowSummary summary, IFlowFilter? filter, bool markedOnly) =>
        markedOnly && summary.Marked.Length == 0 ? false : filter is null ? true : filter.MatchesSummary(summary);

    private byte Decide(int slot)
    {
        try
        {
            if (_flows[slot] is { } flow)
            {
                return Passes(flow, Filter, MarkedOnly) ? In : Out;
            }

            if (Filter is null && !MarkedOnly)
            {
                // Every flow passes: no summary to make.
                return _cold.Contains(slot) ? In : Out;
            }

            // Null: no flow (a hole, skipped), or a flow that went cold or changed while it was read, which its change
            // marked to be decided again under the lock.
            if (_cold.TryGet(slot) is not { } summary)
            {
                return Again;
            }

            var passes = Passes(summary, Filter, MarkedOnly);
            return passes switch { true => In, false => Out, null => Undecided };
        }
        catch (InvalidOperationException)
        {
            // The proxy was changing the flow (its headers, say) while the filter read it: its update will follow,
            // and the flow is decided again under the lock.
            return Again;
        }
    }
}
