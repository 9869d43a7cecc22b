using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;

namespace Addons.Abstractions.View;

/// <summary>
/// Published by an addon that brings stored flows back (a session file on start, a flow file): the View adds them to
/// its store in this order, with their per-flow settings, as it adds captured flows. No hook runs for them, so an
/// addon that stores flows does not store them again.
/// </summary>
/// <param name="Flows">The flows, in the order they were first captured.</param>
/// <param name="Settings">Per-flow settings (the View's <c>view.settings.*</c> values) by flow id; null when there are none.</param>
/// <param name="Archive">Where <paramref name="ColdFlows"/> are kept; null without cold flows.</param>
/// <param name="ColdFlows">
/// Flows that stay out of memory, as summaries, loaded from <paramref name="Archive"/> when someone asks for them
/// (a session restored with a cap on the flows in memory); they come before <paramref name="Flows"/>, in their order.
/// </param>
public sealed record FlowsLoaded(
    IReadOnlyList<Flow> Flows,
    IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, string>>? Settings = null,
    IFlowArchive? Archive = null,
    IReadOnlyList<FlowSummary>? ColdFlows = null)
{
    /// <summary>Flows brought back whole, as contract 1.0 published them (kept so that 1.0 plugins still run).</summary>
    /// <param name="Flows">The flows, in the order they were first captured.</param>
    /// <param name="Settings">Per-flow settings by flow id; null when there are none.</param>
    public FlowsLoaded(IReadOnlyList<Flow> Flows, IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, string>>? Settings)
        : this(Flows, Settings, null, null)
    {
    }
}
