using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>Published by the View addon when the focused flow or its position changed.</summary>
public sealed record ViewFocusChanged
{
    /// <summary>The focused flow, or <c>null</c> when nothing is focused.</summary>
    public required Flow? Flow { get; init; }

    /// <summary>Its position in the view as displayed, or <c>null</c>.</summary>
    public required int? Index { get; init; }
}
