using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>
/// Published by the View addon: a flow left the view from <paramref name="Index"/> (it was removed, or no longer
/// passes the filter). The index is given because flows with equal order keys make it impossible to recompute.
/// </summary>
/// <param name="Flow">The flow.</param>
/// <param name="Index">The position it had in the view as displayed.</param>
public sealed record ViewFlowRemoved(Flow Flow, int Index);
