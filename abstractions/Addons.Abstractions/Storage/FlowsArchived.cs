using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Storage;

/// <summary>
/// Published by a storage addon (the Session): these flows are durable in <paramref name="Archive"/> as the summaries
/// describe them, and may leave memory. The View keeps each one it holds as its summary (a cold flow), unless the flow
/// changed since (its summary differs) or is still live; a flow it does not hold yet (a restored session) it adds as
/// cold, in this order, with its settings. Cold flows are loaded from the archive when someone asks for them.
/// </summary>
/// <param name="Archive">Where the flows can be loaded from.</param>
/// <param name="Flows">The flows, oldest first.</param>
/// <param name="Settings">Per-flow settings (the View's <c>view.settings.*</c> values) of flows new to the View, by flow id; null when there are none.</param>
public sealed record FlowsArchived(
    IFlowArchive Archive,
    IReadOnlyList<FlowSummary> Flows,
    IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, string>>? Settings = null);
