using Addons.Abstractions;
using Addons.Host.Chain;
using Addons.Host.Configuration;
using Addons.Host.Events;
using McMaster.NETCore.Plugins;

namespace Addons.Host.Loading;

/// <summary>An addon instance with the plugin it came from, its load context and what the host tracks for it.</summary>
internal sealed class LoadedAddon(PluginEntry entry, string assemblyPath, PluginLoader? loader, Addon instance, string version, AddonEventBus bus)
{
    private readonly bool[] _implements = [.. HookTable.All.Select(h => h.IsImplementedBy(instance.GetType()))];

    public PluginEntry Entry { get; } = entry;

    public string AssemblyPath { get; } = assemblyPath;

    /// <summary>The plugin's load context; null for an addon built into the host.</summary>
    public PluginLoader? Loader { get; } = loader;

    public Addon Instance { get; } = instance;

    /// <summary>The addon's name, read once: it is the key for options, commands and logs.</summary>
    public string Name { get; } = instance.Name;

    /// <summary>The plugin assembly's informational version.</summary>
    public string Version { get; } = version;

    public AddonEventBus Bus { get; } = bus;

    /// <summary>The category of the addon's logger: its type's full name.</summary>
    public string LogCategory => Instance.GetType().FullName ?? Name;

    public bool Implements(Hook hook) => _implements[(int)hook];
}
