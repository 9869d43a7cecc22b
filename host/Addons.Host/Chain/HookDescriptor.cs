using Addons.Abstractions;
using Addons.Abstractions.Hooks;

namespace Addons.Host.Chain;

/// <summary>A hook's mitmproxy name, the <see cref="Addon"/> method that implements it, and how to call it.</summary>
internal sealed record HookDescriptor(Hook Hook, string Name, string MethodName, Type ContextType, Func<Addon, HookContext, ValueTask> Invoke)
{
    /// <summary>Whether <paramref name="addonType"/> overrides this hook's method (the base methods do nothing).</summary>
    public bool IsImplementedBy(Type addonType)
    {
        var method = addonType.GetMethod(MethodName, [ContextType]);
        return method is not null && method.DeclaringType != typeof(Addon);
    }
}
