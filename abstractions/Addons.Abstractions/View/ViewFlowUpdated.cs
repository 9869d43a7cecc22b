using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>Published by the View addon: a flow in the view changed (it stays at <paramref name="Index"/>).</summary>
/// <param name="Flow">The flow.</param>
/// <param name="Index">Its position in the view as displayed.</param>
public sealed record ViewFlowUpdated(Flow Flow, int Index);
