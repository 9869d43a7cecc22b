using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>Published by the View addon: a flow in the view changed (it stays at <see cref="Index"/>).</summary>
public sealed record ViewFlowUpdated
{
    /// <summary>The flow.</summary>
    public required Flow Flow { get; init; }

    /// <summary>Its position in the view as displayed.</summary>
    public required int Index { get; init; }
}
