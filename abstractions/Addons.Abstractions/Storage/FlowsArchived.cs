using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Storage;

/// <summary>
/// Published by a storage addon (the Session): these flows are durable in <see cref="Archive"/> as the summaries
/// describe them, and may leave memory. The View keeps each one it holds as its summary (a cold flow) and loads it from
/// the archive when someone asks for it; a flow that changed since (its summary differs) or that the View does not
/// hold (it was removed) is left as it is; a live flow that changes later comes back with the hook that reports it.
/// Restored flows come cold with <see cref="View.FlowsLoaded"/>.
/// </summary>
public sealed record FlowsArchived
{
    /// <summary>Where the flows can be loaded from.</summary>
    public required IFlowArchive Archive { get; init; }

    /// <summary>The flows, oldest first.</summary>
    public required IReadOnlyList<FlowSummary> Flows { get; init; }
}
