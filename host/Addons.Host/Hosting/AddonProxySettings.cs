using Addons.Host.Configuration;
using Microsoft.Extensions.Configuration;

namespace Addons.Host.Hosting;

/// <summary>
/// What the host is told to run, whichever way it is started: the plugins.json-shaped configuration and where it came
/// from, the plugins named on the command line, option values given as <c>--set</c>, the addons an application adds
/// in process, and whether plugins are watched. <c>addons-host</c> makes one from its command line and plugins.json;
/// <c>AddAddonProxy</c> from an application's configuration section and <see cref="AddonProxyOptions"/>.
/// </summary>
internal sealed record AddonProxySettings(IConfiguration Configuration, IConfiguration Root, string Source, string BaseDirectory)
{
    /// <summary>Whether a missing <c>Addons</c> section is a mistake (a plugins.json without one) or no plugins.</summary>
    public bool RequireAddonsSection { get; init; }

    /// <summary>The plugins named by <c>--addon</c>, in the order given.</summary>
    public IReadOnlyList<AddonArgument> Arguments { get; init; } = [];

    /// <summary>Option values given by name (<c>--set</c>), applied after every configuration section.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Sets { get; init; } = [];

    /// <summary>Every plugin reloaded when its build changes (<c>--watch</c>).</summary>
    public bool Watch { get; init; }

    /// <summary>Whether addons' log lines about a flow carry the addon and flow as a scope; null: as the console log does.</summary>
    public bool? LogScopes { get; init; }

    /// <summary>The addons added in process (<c>AddAddon</c>), by id.</summary>
    public IReadOnlyList<InProcessAddon> InProcess { get; init; } = [];

    /// <summary>The settings of <c>addons-host</c>: plugins.json is the whole configuration.</summary>
    public static AddonProxySettings FromCommandLine(IConfiguration configuration, PluginsFile file, HostCommandLine commandLine) =>
        new(configuration, configuration, file.FullPath, file.Directory)
        {
            RequireAddonsSection = true,
            Arguments = commandLine.Addons,
            Sets = commandLine.Sets,
            Watch = commandLine.Watch,
        };

    /// <summary>Where a key's value came from, for errors: the file, the environment variable, or the command line.</summary>
    public string Describe(string path) => ConfigurationSourceNames.Describe(Root, path);
}
