using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>Published by the View addon: a flow entered the view at <paramref name="Index"/> (display order).</summary>
/// <param name="Flow">The flow.</param>
/// <param name="Index">Its position in the view as displayed (reversal applied).</param>
public sealed record ViewFlowAdded(Flow Flow, int Index);
