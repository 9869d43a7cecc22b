using System.Reflection;
using Addons.Abstractions;
using Addons.Host.Commands;
using Addons.Host.Configuration;
using Addons.Host.Events;
using Addons.Host.Options;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Loading;

/// <summary>
/// Turns a plugins.json entry into a running addon instance: builds the project an --addon names, finds the assembly,
/// checks its contract version before loading it, loads it into its own context sharing only
/// <see cref="SharedAssemblies"/>, checks type identity and that its dependencies resolve, and creates the type named
/// by <see cref="AddonEntryPointAttribute"/>. Every failure is one sentence naming the plugin.
/// </summary>
internal sealed class PluginAddonFactory(
    IServiceProvider services,
    EventBus bus,
    CommandRegistry commands,
    OptionStore options,
    PluginProjectBuilder projects,
    ExchangedAssemblies exchangedAssemblies,
    ILoggerFactory loggerFactory)
{
    /// <summary>
    /// Loads the plugin of <paramref name="entry"/> and creates its addon; a project's build failure shows at most
    /// <paramref name="buildErrorsShown"/> of its errors.
    /// </summary>
    public async Task<LoadedAddon> CreateAsync(PluginEntry entry, CancellationToken cancellationToken, int buildErrorsShown = 10)
    {
        var path = entry.CandidatePaths.FirstOrDefault(File.Exists)
            ?? throw new AddonHostException(
                $"Plugin '{entry.Id}': {string.Join(" and ", entry.CandidatePaths)} {(entry.CandidatePaths.Count > 1 ? "do" : "does")} not exist ({entry.PathSource}); build or publish the plugin there, or fix the path.");

        // An --addon may name the plugin's project: it is built, and the assembly it built is the plugin.
        if (entry.Argument is { IsProject: true })
        {
            path = await projects.BuildAsync(entry, path, cancellationToken, buildErrorsShown).ConfigureAwait(false);
        }

        CheckContractVersion(entry, path);

        // Collectible only when watched: unloading assemblies is best effort and costs every plugin (McMaster pitfall 6),
        // so a plugin that is not reloaded stays loaded; unloading it still removes it from the chain, the bus, the
        // commands and the options. A watched plugin is read into memory, so that a build can write over its files.
        PluginLoader loader;
        try
        {
            var exchanged = exchangedAssemblies.For(entry).ToList();
            loader = PluginLoader.CreateFromAssemblyFile(path, SharedAssemblies.Types, config =>
            {
                config.IsUnloadable = entry.Watch;
                config.LoadInMemory = entry.Watch;
                foreach (var name in exchanged)
                {
                    config.SharedAssemblies.Add(name);
                }
            });
        }
        catch (InvalidOperationException ex)
        {
            // The runtime's dependency resolver refuses a malformed deps.json; its detail names the file and the line.
            throw new AddonHostException(
                $"Plugin '{entry.Id}': the runtime cannot read the dependencies of {path} ({ResolverDetail(ex.Message)}); publish the plugin again (dotnet publish).", ex);
        }

        try
        {
            var addonType = FindEntryPoint(entry, path, loader);
            var version = addonType.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion is { } v
                ? v.Split('+')[0]
                : addonType.Assembly.GetName().Version?.ToString() ?? "0.0.0";
            var logger = loggerFactory.CreateLogger(addonType.FullName ?? addonType.Name);
            var addon = Instantiate(entry, addonType, logger, out var addonBus);
            return new LoadedAddon(entry, path, loader, addon, version, addonBus);
        }
        catch
        {
            loader.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new instance of <paramref name="addon"/>'s type, from the context it was loaded into: the build it came from,
    /// started again when a reload failed after that instance had already stopped.
    /// </summary>
    public LoadedAddon Recreate(LoadedAddon addon)
    {
        var type = addon.Instance.GetType();
        var instance = Instantiate(addon.Entry, type, loggerFactory.CreateLogger(type.FullName ?? type.Name), out var addonBus);
        return new LoadedAddon(addon.Entry, addon.AssemblyPath, addon.Loader, instance, addon.Version, addonBus);
    }

    /// <summary>The logger an addon gets, named after its type.</summary>
    public ILogger CreateLogger(LoadedAddon addon) => loggerFactory.CreateLogger(addon.LogCategory);

    private static void CheckContractVersion(PluginEntry entry, string path)
    {
        Version? built;
        try
        {
            built = ContractReference.Read(path);
        }
        catch (Exception ex) when (ex is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            throw new AddonHostException($"Plugin '{entry.Id}': {path} cannot be read as a .NET assembly ({ex.Message}).", ex);
        }

        var host = ContractReference.HostVersion;
        if (built is null)
        {
            throw new AddonHostException($"Plugin '{entry.Id}': {path} does not reference {ContractReference.ContractName}, so it contains no addon.");
        }

        if (!ContractReference.IsSupported(built))
        {
            throw new AddonHostException(
                $"Plugin '{entry.Id}': {path} was built against {ContractReference.ContractName} {built.Major}.{built.Minor}, but this host supports {ContractReference.SupportedVersions}; rebuild the plugin against {ContractReference.ContractName} {host.Major}.{host.Minor}.");
        }
    }

    /// <summary>"Failed to parse file [...]. JSON parsing exception: ..." out of the resolver's several lines.</summary>
    private static string ResolverDetail(string message)
    {
        const string Marker = "Detailed error: ";
        var start = message.IndexOf(Marker, StringComparison.Ordinal);
        var detail = start >= 0 ? message[(start + Marker.Length)..] : message;
        var end = detail.IndexOfAny(['\r', '\n']);
        return (end >= 0 ? detail[..end] : detail).Trim();
    }

    private static Type FindEntryPoint(PluginEntry entry, string path, PluginLoader loader)
    {
        using var reflection = loader.EnterContextualReflection();
        Assembly assembly;
        try
        {
            assembly = loader.LoadDefaultAssembly();
        }
        catch (Exception ex) when (ex is FileLoadException or FileNotFoundException or BadImageFormatException)
        {
            throw new AddonHostException($"Plugin '{entry.Id}': {path} could not be loaded: {ex.Message}", ex);
        }

        // The plugin must see the host's contract, not a copy of its own; otherwise nothing it declares is an Addon to the host.
        var contract = loader.LoadAssembly(typeof(Addon).Assembly.GetName());
        if (!ReferenceEquals(contract, typeof(Addon).Assembly))
        {
            throw new AddonHostException(
                $"Plugin '{entry.Id}': it loaded its own {ContractReference.ContractName} from {PluginDependencies.Where(contract, Path.GetDirectoryName(path)!)} instead of the host's ({typeof(Addon).Assembly.Location}); reference the contract with Private=false so the plugin does not ship a copy.");
        }

        PluginDependencies.Check(entry, path, loader, assembly);

        AddonEntryPointAttribute? attribute;
        try
        {
            attribute = assembly.GetCustomAttribute<AddonEntryPointAttribute>();
        }
        catch (Exception ex) when (ex is TypeLoadException or FileNotFoundException or FileLoadException)
        {
            throw new AddonHostException($"Plugin '{entry.Id}': its [assembly: AddonEntryPoint] names a type that cannot be loaded: {ex.Message}", ex);
        }

        if (attribute is null)
        {
            throw new AddonHostException(
                $"Plugin '{entry.Id}': {path} has no [assembly: AddonEntryPoint(typeof(...))] attribute, so the host cannot find its addon.");
        }

        var type = attribute.AddonType;
        if (!typeof(Addon).IsAssignableFrom(type) || type.IsAbstract)
        {
            throw new AddonHostException(
                $"Plugin '{entry.Id}': its entry point {type.FullName} is not a concrete class derived from {typeof(Addon).FullName}.");
        }

        return type;
    }

    private Addon Instantiate(PluginEntry entry, Type addonType, ILogger logger, out AddonEventBus addonBus)
    {
        // The bus exists before the addon so that its constructor can subscribe; it takes the addon's name once known.
        addonBus = new AddonEventBus(bus, entry.Id);
        var provider = new AddonServiceProvider(services, addonBus, commands, options, logger);
        try
        {
            var addon = (Addon)ActivatorUtilities.CreateInstance(provider, addonType);
            addonBus.Owner = addon.Name;
            return addon;
        }
        catch (Exception ex)
        {
            var cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            throw new AddonHostException($"Plugin '{entry.Id}': creating {addonType.FullName} failed: {cause.Message}", cause);
        }
    }
}
