using Addons.Host.Hosting;
using Microsoft.Extensions.Configuration;

namespace Addons.Host.Configuration;

/// <summary>One addon entry of the <c>Addons</c> section, checked and with its path resolved.</summary>
/// <param name="Id">The key of the entry, such as <c>View</c>.</param>
/// <param name="ConfiguredPath">The path as configured.</param>
/// <param name="CandidatePaths">Absolute paths to try in order; the first that exists is the plugin.</param>
/// <param name="Enabled">Whether the host loads it.</param>
/// <param name="Order">Its place in the chain; lower runs first, ties by id.</param>
/// <param name="Required">Whether the host refuses to start without it.</param>
/// <param name="Options">Its <c>Options</c> section.</param>
internal sealed record PluginEntry(
    string Id,
    string ConfiguredPath,
    IReadOnlyList<string> CandidatePaths,
    bool Enabled,
    int Order,
    bool Required,
    IConfigurationSection Options)
{
    /// <summary>The configuration section of a built-in addon, which is not under Addons.</summary>
    public string? SectionKey { get; init; }

    /// <summary>The configuration key of this entry.</summary>
    /// <remarks>Its full path, such as <c>AddonProxy:Addons:View</c> when an application's section holds the configuration.</remarks>
    public string Key => SectionKey ?? (Options.Path.EndsWith(":Options", StringComparison.Ordinal)
        ? Options.Path[..^":Options".Length]
        : $"{PluginEntryReader.SectionName}:{Id}");

    /// <summary>
    /// The assemblies this plugin exchanges with other plugins (<c>Shares</c>: simple names, such as
    /// <c>PingPong.Messages</c>): one copy of each is loaded for every plugin that lists it, so that their types are one.
    /// </summary>
    public IReadOnlyList<string> Shares { get; init; } = [];

    /// <summary>
    /// Whether the host reloads the plugin when its build changes (<c>"Watch": true</c>, or <c>--watch</c> for every
    /// plugin): it is then loaded collectible and from memory, so that a new build can replace it while the host runs.
    /// </summary>
    public bool Watch { get; init; }

    /// <summary>The addon the application added in process under this id, if this entry is one.</summary>
    public InProcessAddon? InProcess { get; init; }

    /// <summary>The --addon that named this plugin, if one did.</summary>
    public AddonArgument? Argument { get; init; }

    /// <summary>Where the path came from, for errors: <c>Addons:Mine:Path is "..."</c> or <c>--addon ./Mine.dll</c>.</summary>
    public string PathSource => Argument is { } argument ? $"--addon {argument.Path}" : $"{Key}:Path is \"{ConfiguredPath}\"";

    /// <summary>Why the host does not start without it, as a sentence.</summary>
    public string RequiredReason => Argument is not null
        ? "It was named by --addon, so the host does not start without it."
        : InProcess is not null
        ? $"The application adds it in process, so the host does not start without it unless {Key}:Required is false."
        : $"{Key}:Required is true, so the host does not start without it.";
}
