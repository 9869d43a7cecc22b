using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>Published by the View addon: a flow entered the view at <see cref="Index"/> (display order).</summary>
public sealed record ViewFlowAdded
{
    /// <summary>The flow.</summary>
    public required Flow Flow { get; init; }

    /// <summary>Its position in the view as displayed (reversal applied).</summary>
    public required int Index { get; init; }
}
