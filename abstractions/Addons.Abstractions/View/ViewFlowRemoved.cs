using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>
/// Published by the View addon: a flow left the view from <see cref="Index"/> (it was removed, or no longer passes the
/// filter). The index is given because flows with equal order keys make it impossible to recompute.
/// </summary>
public sealed record ViewFlowRemoved
{
    /// <summary>The flow.</summary>
    public required Flow Flow { get; init; }

    /// <summary>The position it had in the view as displayed.</summary>
    public required int Index { get; init; }
}
