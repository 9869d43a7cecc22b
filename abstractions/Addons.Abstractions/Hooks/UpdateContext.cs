using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Hooks;

/// <summary>The context of <c>update</c>: flows that changed, after every flow hook and after commands that change flows.</summary>
public sealed class UpdateContext(IReadOnlyList<Flow> flows, CancellationToken cancellationToken) : HookContext(cancellationToken)
{
    /// <summary>The flows that changed.</summary>
    public IReadOnlyList<Flow> Flows { get; } = flows;
}
