using Addons.Abstractions;

namespace NoEntryPoint;

/// <summary>An addon type without the assembly attribute that would make the host find it.</summary>
public sealed class NotAnAddon : Addon
{
}
