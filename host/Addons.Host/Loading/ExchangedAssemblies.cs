using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Addons.Host.Configuration;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Loading;

/// <summary>
/// The assemblies plugins exchange among themselves (their entries' <c>Shares</c>): each is loaded once, into the host's
/// own context, from the folder of a plugin that lists it (the highest version when their copies differ), and every
/// plugin that lists it uses that copy instead of its own, so that a message type it declares is one type on the bus.
/// A name no listing plugin's folder holds is a load failure of each plugin that lists it.
/// </summary>
internal sealed partial class ExchangedAssemblies(ILogger<ExchangedAssemblies> logger)
{
    // The host's context is the process's: an assembly loaded into it stays, and a second host in the process reuses it.
    private static readonly ConcurrentDictionary<string, Assembly> Loaded = new(StringComparer.OrdinalIgnoreCase);

    private readonly Dictionary<string, string> _failures = new(StringComparer.OrdinalIgnoreCase);

    static ExchangedAssemblies() =>
        AssemblyLoadContext.Default.Resolving += (_, name) => name.Name is { } simple && Loaded.TryGetValue(simple, out var assembly) ? assembly : null;

    /// <summary>Loads what the enabled plugins list, before any of them loads.</summary>
    public void Prepare(IReadOnlyList<PluginEntry> entries)
    {
        var byName = entries.Where(e => e.Enabled).SelectMany(e => e.Shares.Select(name => (Name: name, Entry: e)))
            .GroupBy(p => p.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var group in byName)
        {
            var listing = group.Select(p => p.Entry).ToList();
            var copies = listing
                .Select(e => e.CandidatePaths.FirstOrDefault(File.Exists))
                .OfType<string>()
                .Select(main => Path.Combine(Path.GetDirectoryName(main)!, group.Key + ".dll"))
                .Where(File.Exists)
                .Select(path => (Path: path, Version: VersionOf(path)))
                .ToList();
            if (copies.Count == 0)
            {
                _failures[group.Key] = $"it shares {group.Key}, but no plugin that lists it ({string.Join(", ", listing.Select(e => $"'{e.Id}'"))}) has {group.Key}.dll in its folder; publish the plugin with it";
                continue;
            }

            var chosen = copies.MaxBy(c => c.Version);
            try
            {
                var assembly = Loaded.GetOrAdd(group.Key, _ => AssemblyLoadContext.Default.LoadFromAssemblyPath(chosen.Path));
                if (assembly.GetName().Version < chosen.Version)
                {
                    _failures[group.Key] = $"it shares {group.Key} {chosen.Version}, but this process loaded {assembly.GetName().Version} from {assembly.Location} for the plugins before; restart the host";
                    continue;
                }

                LogShared(logger, group.Key, assembly.GetName().Version?.ToString() ?? "", assembly.Location, string.Join(", ", listing.Select(e => $"'{e.Id}'")));
            }
            catch (Exception e) when (e is FileLoadException or BadImageFormatException)
            {
                _failures[group.Key] = $"it shares {group.Key}, but {chosen.Path} cannot be loaded ({e.Message})";
            }
        }
    }

    /// <summary>The names <paramref name="entry"/> shares, for its loader; throws naming the plugin when one is not to be had.</summary>
    public IEnumerable<AssemblyName> For(PluginEntry entry)
    {
        foreach (var name in entry.Shares)
        {
            if (_failures.TryGetValue(name, out var failure))
            {
                throw new AddonHostException($"Plugin '{entry.Id}': {failure}.");
            }
        }

        return entry.Shares.Select(name => new AssemblyName(name));
    }

    private static Version VersionOf(string path)
    {
        try
        {
            return AssemblyName.GetAssemblyName(path).Version ?? new Version();
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException)
        {
            return new Version();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Plugins {Plugins} share {Assembly} {Version} ({Path}): one copy for all of them")]
    private static partial void LogShared(ILogger logger, string assembly, string version, string path, string plugins);
}
