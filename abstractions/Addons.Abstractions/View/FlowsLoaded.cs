using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;

namespace Addons.Abstractions.View;

/// <summary>
/// Published by an addon that brings stored flows back (a session file on start, a flow file): the View adds them to
/// its store in this order, with their per-flow settings, as it adds captured flows. No hook runs for them, so an
/// addon that stores flows does not store them again.
/// </summary>
public sealed record FlowsLoaded
{
    /// <summary>The flows, in the order they were first captured.</summary>
    public required IReadOnlyList<Flow> Flows { get; init; }

    /// <summary>Per-flow settings (the View's <c>view.settings.*</c> values) by flow id; null when there are none.</summary>
    public IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, string>>? Settings { get; init; }

    /// <summary>Where <see cref="ColdFlows"/> are kept; null without cold flows.</summary>
    public IFlowArchive? Archive { get; init; }

    /// <summary>
    /// Flows that stay out of memory, as summaries, loaded from <see cref="Archive"/> when someone asks for them (a
    /// session restored with a cap on the flows in memory); they come before <see cref="Flows"/>, in their order.
    /// </summary>
    public IReadOnlyList<FlowSummary>? ColdFlows { get; init; }
}
