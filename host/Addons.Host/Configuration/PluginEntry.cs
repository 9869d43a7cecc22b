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
    public string Key => SectionKey ?? $"{PluginEntryReader.SectionName}:{Id}";
}
