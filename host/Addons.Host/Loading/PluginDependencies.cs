using System.Reflection;
using System.Runtime.Loader;
using Addons.Host.Configuration;
using McMaster.NETCore.Plugins;

namespace Addons.Host.Loading;

/// <summary>
/// Resolves a plugin's dependency closure through its own load context when it loads, as the runtime would on first
/// use: without this, a dependency missing from the plugin's folder surfaces only when a hook first calls into it, as a
/// FileNotFoundException on every flow. The walk follows the plugin's own assemblies and stops at what the host
/// resolves (the framework and <see cref="SharedAssemblies"/>), which is the host's to provide.
/// </summary>
internal static class PluginDependencies
{
    /// <summary>Throws an <see cref="AddonHostException"/> naming every reference of the plugin that does not resolve.</summary>
    public static void Check(PluginEntry entry, string path, PluginLoader loader, Assembly main)
    {
        var folder = Path.GetDirectoryName(path)! + Path.DirectorySeparatorChar;
        var pluginContext = AssemblyLoadContext.GetLoadContext(main);
        var missing = new List<string>();
        var unusable = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<Assembly>([main]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (!seen.Add(reference.FullName))
                {
                    continue;
                }

                try
                {
                    var resolved = loader.LoadAssembly(reference);
                    if (AssemblyLoadContext.GetLoadContext(resolved) != pluginContext)
                    {
                        continue;
                    }

                    // The host's binder refuses an older version than the reference asks for, but a plugin's context
                    // takes whatever file is there, and the plugin fails later with a MissingMethodException.
                    if (resolved.GetName().Version < reference.Version)
                    {
                        unusable.Add($"{Describe(reference, assembly, main)}, but {Where(resolved, folder)} is {resolved.GetName().Version}");
                        continue;
                    }

                    pending.Enqueue(resolved);
                }
                catch (FileNotFoundException)
                {
                    missing.Add(Describe(reference, assembly, main));
                }
                catch (Exception ex) when (ex is FileLoadException or BadImageFormatException)
                {
                    unusable.Add(DescribeUnusable(reference, assembly, main, folder, ex));
                }
            }
        }

        if (missing.Count == 0 && unusable.Count == 0)
        {
            return;
        }

        var problems = new List<string>();
        if (missing.Count > 0)
        {
            problems.Add($"{JoinAnd(missing)}, which {(missing.Count == 1 ? "is" : "are")} not in {folder} nor shared by the host");
        }

        problems.AddRange(unusable);

        // dotnet build copies a library's packages only with EnableDynamicLoading, which a plugin project needs.
        var fix = entry.Argument is { IsProject: true } argument
            ? $"set <EnableDynamicLoading>true</EnableDynamicLoading> in {argument.FullPath}, so that dotnet build copies the plugin's dependencies beside it"
            : "publish the plugin with its dependencies (dotnet publish)";
        throw new AddonHostException($"Plugin '{entry.Id}': {path} needs {JoinAnd(problems)}; {fix}.");
    }

    /// <summary>
    /// The file <paramref name="assembly"/> came from. A watched plugin is loaded from memory, where an assembly has no
    /// location: its file in the plugin's <paramref name="folder"/> is named instead, or else its name.
    /// </summary>
    public static string Where(Assembly assembly, string folder)
    {
        if (assembly.Location is { Length: > 0 } location)
        {
            return location;
        }

        var file = Path.Combine(folder, assembly.GetName().Name + ".dll");
        return File.Exists(file) ? file : assembly.FullName ?? assembly.ToString();
    }

    /// <summary>"TinyLibrary 2.1.0.0", with the assembly that needs it when that is not the plugin's own.</summary>
    private static string Describe(AssemblyName reference, Assembly referrer, Assembly main) =>
        referrer == main
            ? $"{reference.Name} {reference.Version}"
            : $"{reference.Name} {reference.Version} (through {referrer.GetName().Name} {referrer.GetName().Version})";

    /// <summary>The plugin's folder has a file for the reference, but not the assembly it asks for.</summary>
    private static string DescribeUnusable(AssemblyName reference, Assembly referrer, Assembly main, string folder, Exception ex)
    {
        var name = Describe(reference, referrer, main);
        var file = Path.Combine(folder, reference.Name + ".dll");
        if (!File.Exists(file))
        {
            return $"{name}, which cannot be loaded ({ex.Message})";
        }

        AssemblyName found;
        try
        {
            found = AssemblyName.GetAssemblyName(file);
        }
        catch (BadImageFormatException)
        {
            return $"{name}, but {file} is not a .NET assembly";
        }

        return $"{name}, but {file} is {found.Name} {found.Version}";
    }

    private static string JoinAnd(IReadOnlyList<string> items) =>
        items.Count == 1 ? items[0] : $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}";
}
