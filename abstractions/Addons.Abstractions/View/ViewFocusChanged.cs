using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>Published by the View addon when the focused flow or its position changed.</summary>
/// <param name="Flow">The focused flow, or <c>null</c> when nothing is focused.</param>
/// <param name="Index">Its position in the view as displayed, or <c>null</c>.</param>
public sealed record ViewFocusChanged(Flow? Flow, int? Index);
