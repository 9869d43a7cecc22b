using Addons.Abstractions;
using Addons.Host.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Addons.Host;

/// <summary>Collects the application's in-process addons for <see cref="AddonProxySettings"/>.</summary>
internal sealed class AddonProxyBuilder(IServiceCollection services) : IAddonProxyBuilder
{
    private readonly List<InProcessAddon> _addons = [];

    public IServiceCollection Services => services;

    public IReadOnlyList<InProcessAddon> Addons => _addons;

    public IAddonProxyBuilder AddAddon<TAddon>(string? id = null)
        where TAddon : Addon =>
        Add(id ?? typeof(TAddon).Name, sp => ActivatorUtilities.CreateInstance<TAddon>(sp));

    public IAddonProxyBuilder AddAddon<TAddon>(Func<IServiceProvider, TAddon> factory, string? id = null)
        where TAddon : Addon
    {
        ArgumentNullException.ThrowIfNull(factory);
        return Add(id ?? typeof(TAddon).Name, sp => factory(sp));
    }

    public IAddonProxyBuilder AddAddon(Addon addon, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(addon);
        return Add(id ?? addon.GetType().Name, _ => addon);
    }

    private AddonProxyBuilder Add(string id, Func<IServiceProvider, Addon> create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (_addons.Exists(a => a.Id.Equals(id, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"An addon with the id '{id}' was already added; give one of them another id.");
        }

        _addons.Add(new InProcessAddon(id, create));
        return this;
    }
}
