using System.Globalization;
using Addons.Host.Hosting;
using Microsoft.Extensions.Configuration;

namespace Addons.Host.Configuration;

/// <summary>
/// Reads the <c>Addons</c> section into <see cref="PluginEntry"/> records, collecting every error (each naming its key
/// and where the value came from) instead of stopping at the first. An empty section (<c>"Addons": {}</c>) lists no
/// plugins; a file without one is refused. The plugins named by --addon are entries too (see
/// <see cref="AddonArgument.ConfigurationKeys"/>); one without an Order runs after the plugins of plugins.json.
/// </summary>
internal static class PluginEntryReader
{
    public const string SectionName = "Addons";

    private static readonly string[] KnownKeys = ["Path", "Enabled", "Order", "Required", "Options", "Shares", "Watch"];

    public static IReadOnlyList<PluginEntry> Read(AddonProxySettings settings)
    {
        var errors = new List<string>();
        var entries = new List<PluginEntry>();
        var unplaced = new List<PluginEntry>();
        var configuration = settings.Configuration;
        var addons = settings.Arguments;
        var section = configuration.GetSection(SectionName);

        // "Addons": {} is a key with no value and no children, which Exists() cannot tell from no key at all: it is a
        // bare proxy, while a plugins.json without the key is more likely a mistake.
        if (settings.RequireAddonsSection && !section.Exists() && !configuration.GetChildren().Any(c => c.Key.Equals(SectionName, StringComparison.OrdinalIgnoreCase)))
        {
            throw new AddonHostException($"{settings.Source} has no \"{SectionName}\" section; it must list the addons to load, keyed by id.");
        }

        foreach (var addon in section.GetChildren())
        {
            var id = addon.Key;
            foreach (var key in addon.GetChildren())
            {
                if (!KnownKeys.Contains(key.Key, StringComparer.OrdinalIgnoreCase))
                {
                    errors.Add($"{Where(settings, key.Path)}: {key.Path} is not a known key; an addon entry has {string.Join(", ", KnownKeys)}.");
                }
            }

            var path = addon["Path"];
            var inProcess = settings.InProcess.FirstOrDefault(a => a.Id.Equals(id, StringComparison.OrdinalIgnoreCase));
            if (inProcess is not null && path is not null)
            {
                errors.Add($"{Where(settings, addon.Path)}: {addon.Path}:Path is \"{path}\", but '{id}' is an addon the application adds in process; its entry takes Order, Enabled, Required and Options, not a Path.");
            }
            else if (inProcess is null && string.IsNullOrWhiteSpace(path))
            {
                errors.Add($"{Where(settings, addon.Path)}: {addon.Path}:Path is missing; it names the plugin's main assembly, such as addons/{id}/{id}.dll.");
            }

            var enabled = ReadBool(settings, addon, "Enabled", true, errors);
            var required = ReadBool(settings, addon, "Required", false, errors);
            var order = ReadInt(settings, addon, "Order", 0, errors);
            var watch = ReadBool(settings, addon, "Watch", false, errors);
            var options = addon.GetSection("Options");
            if (options.Value is { Length: > 0 })
            {
                errors.Add($"{Where(settings, options.Path)}: {options.Path} must be an object of option names and values, not \"{options.Value}\".");
            }

            var shares = ReadShares(settings, addon, errors);
            if (inProcess is not null && path is null)
            {
                var entry = InProcessEntry(inProcess, enabled, order, addon["Required"] is null || required, options);
                (addon["Order"] is null ? unplaced : entries).Add(entry);
            }
            else if (!string.IsNullOrWhiteSpace(path))
            {
                var entry = new PluginEntry(id, path, CandidatePaths(path, settings.BaseDirectory), enabled, order, required, options)
                {
                    Argument = addons.FirstOrDefault(a => a.Id.Equals(id, StringComparison.OrdinalIgnoreCase)),
                    Shares = shares,
                    Watch = watch,
                };
                (entry.Argument is not null && addon["Order"] is null ? unplaced : entries).Add(entry);
            }
        }

        if (errors.Count > 0)
        {
            throw new AddonHostException(errors);
        }

        // An --addon or in-process addon without an Order runs after every other plugin, in the order they were given:
        // the --addons first, then the in-process addons (one without an entry at all has no options and is required).
        var last = entries.Select(e => (long)e.Order).DefaultIfEmpty(0).Max();
        foreach (var argument in addons)
        {
            if (unplaced.Find(e => e.Argument == argument) is { } entry)
            {
                entries.Add(entry with { Order = (int)Math.Min(++last, int.MaxValue) });
            }
        }

        foreach (var inProcess in settings.InProcess)
        {
            var entry = unplaced.Find(e => e.InProcess == inProcess) ?? (entries.Exists(e => e.InProcess == inProcess)
                ? null
                : InProcessEntry(inProcess, enabled: true, 0, required: true, section.GetSection(inProcess.Id).GetSection("Options")));
            if (entry is not null)
            {
                entries.Add(entry with { Order = (int)Math.Min(++last, int.MaxValue) });
            }
        }

        return [.. entries.OrderBy(e => e.Order).ThenBy(e => e.Id, StringComparer.OrdinalIgnoreCase)];
    }

    private static PluginEntry InProcessEntry(InProcessAddon addon, bool enabled, int order, bool required, IConfigurationSection options) =>
        new(addon.Id, "(in process)", [], enabled, order, required, options) { InProcess = addon };

    /// <summary>A relative path is tried against the plugins.json folder (or the application's), then the host's own folder.</summary>
    private static string[] CandidatePaths(string path, string directory)
    {
        if (Path.IsPathRooted(path))
        {
            return [Path.GetFullPath(path)];
        }

        var besideFile = Path.GetFullPath(Path.Combine(directory, path));
        var besideHost = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, path));
        return besideFile == besideHost ? [besideFile] : [besideFile, besideHost];
    }

    /// <summary>Shares: a list of assembly names, such as ["PingPong.Messages"].</summary>
    private static string[] ReadShares(AddonProxySettings settings, IConfigurationSection addon, List<string> errors)
    {
        var section = addon.GetSection("Shares");
        if (section.Value is { Length: > 0 } single)
        {
            errors.Add($"{Where(settings, section.Path)}: {section.Path} must be a list of assembly names, such as [\"{single}\"], not \"{single}\".");
            return [];
        }

        var names = new List<string>();
        foreach (var item in section.GetChildren())
        {
            var name = item.Value ?? "";
            if (name.Length == 0 || name.IndexOfAny(['/', '\\', ',', ' ']) >= 0 || name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{Where(settings, item.Path)}: {item.Path} is \"{name}\", which is not an assembly's name; name it as the runtime does, without folder or .dll, such as PingPong.Messages.");
                continue;
            }

            names.Add(name);
        }

        return [.. names];
    }

    private static bool ReadBool(AddonProxySettings settings, IConfigurationSection addon, string key, bool fallback, List<string> errors)
    {
        var value = addon[key];
        if (value is null)
        {
            return fallback;
        }

        if (bool.TryParse(value, out var result))
        {
            return result;
        }

        var path = $"{addon.Path}:{key}";
        errors.Add($"{Where(settings, path)}: {path} is \"{value}\", which is not true or false.");
        return fallback;
    }

    private static int ReadInt(AddonProxySettings settings, IConfigurationSection addon, string key, int fallback, List<string> errors)
    {
        var value = addon[key];
        if (value is null)
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result))
        {
            return result;
        }

        var path = $"{addon.Path}:{key}";
        errors.Add($"{Where(settings, path)}: {path} is \"{value}\", which is not a whole number.");
        return fallback;
    }

    private static string Where(AddonProxySettings settings, string key) => settings.Describe(key);
}
