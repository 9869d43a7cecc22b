using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>
/// Published by an addon that brings stored flows back (a session file on start, a flow file): the View adds them to
/// its store in this order, with their per-flow settings, as it adds captured flows. No hook runs for them, so an
/// addon that stores flows does not store them again.
/// </summary>
/// <param name="Flows">The flows, in the order they were first captured.</param>
/// <param name="Settings">Per-flow settings (the View's <c>view.settings.*</c> values) by flow id; null when there are none.</param>
public sealed record FlowsLoaded(IReadOnlyList<Flow> Flows, IReadOnlyDictionary<Guid, IReadOnlyDictionary<string, string>>? Settings = null);
