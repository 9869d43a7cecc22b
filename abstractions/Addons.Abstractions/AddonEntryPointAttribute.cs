namespace Addons.Abstractions;

/// <summary>
/// Names the addon type of a plugin assembly, so the host finds it without scanning every type:
/// <c>[assembly: AddonEntryPoint(typeof(MyAddon))]</c>. The type derives from <see cref="Addon"/> and has a public
/// constructor whose parameters the host can supply (none, or services such as <c>ILogger&lt;T&gt;</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class AddonEntryPointAttribute(Type addonType) : Attribute
{
    /// <summary>The addon type.</summary>
    public Type AddonType { get; } = addonType;
}
