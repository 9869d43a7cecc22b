using Addons.Host;
using Addons.Host.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Embeds the proxy and its addons in an application's generic host or ASP.NET Core app.</summary>
public static class AddonProxyServiceCollectionExtensions
{
    /// <summary>
    /// Registers the proxy, the addon chain, the event bus, options, commands and plugin loading as hosted services.
    /// <paramref name="configuration"/> is shaped as plugins.json (an <c>Addons</c> section of plugins by id, and the
    /// built-in addons' sections such as <c>Proxy</c>), from any configuration source; a mistake in it stops the host
    /// at start with an <see cref="InvalidOperationException"/> whose message names the key and where it came from.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The section that holds the proxy's configuration, such as <c>builder.Configuration.GetSection("AddonProxy")</c>.</param>
    /// <param name="configure">Sets what configuration does not: the plugins' folder, watching, option values.</param>
    /// <returns>A builder to add the application's own addons.</returns>
    public static IAddonProxyBuilder AddAddonProxy(this IServiceCollection services, IConfiguration configuration, Action<AddonProxyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(AddonProxySettings)))
        {
            throw new InvalidOperationException("AddAddonProxy was called twice; one application runs one proxy.");
        }

        var options = new AddonProxyOptions();
        configure?.Invoke(options);
        var builder = new AddonProxyBuilder(services);
        services.AddSingleton(sp => Settings(sp, configuration, options, builder));
        AddonProxyServices.Add(services);
        return builder;
    }

    private static AddonProxySettings Settings(IServiceProvider services, IConfiguration configuration, AddonProxyOptions options, AddonProxyBuilder builder)
    {
        var root = services.GetService<IConfiguration>() ?? configuration;
        var name = configuration is IConfigurationSection section ? $"configuration section {section.Path}" : "the application's configuration";
        var directory = options.PluginsDirectory ?? services.GetService<IHostEnvironment>()?.ContentRootPath ?? AppContext.BaseDirectory;
        return new AddonProxySettings(configuration, root, name, Path.GetFullPath(directory))
        {
            Sets = [.. options.Sets],
            Watch = options.Watch,
            LogScopes = options.LogScopes,
            InProcess = builder.Addons,
        };
    }
}
