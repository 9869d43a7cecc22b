namespace Addons.Abstractions.Hooks;

/// <summary>The context of <c>running</c> and <c>done</c>.</summary>
public sealed class LifecycleContext(CancellationToken cancellationToken) : HookContext(cancellationToken);
