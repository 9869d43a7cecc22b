using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Storage;

/// <summary>
/// Published by a storage addon (the Session): these flows are durable in <paramref name="Archive"/> as the summaries
/// describe them, and may leave memory. The View keeps each one it holds as its summary (a cold flow) and loads it from
/// the archive when someone asks for it; a flow that changed since (its summary differs), is still live, or that the
/// View does not hold (it was removed) is left as it is. Restored flows come cold with <see cref="View.FlowsLoaded"/>.
/// </summary>
/// <param name="Archive">Where the flows can be loaded from.</param>
/// <param name="Flows">The flows, oldest first.</param>
public sealed record FlowsArchived(IFlowArchive Archive, IReadOnlyList<FlowSummary> Flows);
