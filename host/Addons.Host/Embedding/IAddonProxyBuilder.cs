using Addons.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace Addons.Host;

/// <summary>
/// Adds an application's own addons to the proxy it embeds, beside the plugins its configuration lists. Each is an
/// entry under <c>Addons</c> by its id as a plugin is, without a Path: Order, Enabled, Required and Options apply.
/// One without an entry runs after the plugins, in the order added, and the host does not start without it.
/// </summary>
public interface IAddonProxyBuilder
{
    /// <summary>The application's services, where the addons' own dependencies are registered.</summary>
    IServiceCollection Services { get; }

    /// <summary>Adds an addon made from the application's services (constructor injection) when the host starts.</summary>
    /// <param name="id">Its entry under <c>Addons</c>; the type's name if null.</param>
    IAddonProxyBuilder AddAddon<TAddon>(string? id = null)
        where TAddon : Addon;

    /// <summary>Adds an addon made by <paramref name="factory"/> when the host starts.</summary>
    /// <param name="factory">Makes the addon from the application's services.</param>
    /// <param name="id">Its entry under <c>Addons</c>; the type's name if null.</param>
    IAddonProxyBuilder AddAddon<TAddon>(Func<IServiceProvider, TAddon> factory, string? id = null)
        where TAddon : Addon;

    /// <summary>Adds an addon instance the application made.</summary>
    /// <param name="addon">The addon; the host runs its hooks but does not dispose it.</param>
    /// <param name="id">Its entry under <c>Addons</c>; the type's name if null.</param>
    IAddonProxyBuilder AddAddon(Addon addon, string? id = null);
}
