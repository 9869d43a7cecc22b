using Addons.Abstractions;

namespace Addons.Host.Hosting;

/// <summary>
/// An addon an application adds in process (<c>AddAddon</c>) rather than as a plugin: no load context of its own, and
/// its entry under <c>Addons</c> (by <paramref name="Id"/>) needs no Path; Order, Enabled, Required and Options apply.
/// </summary>
/// <param name="Id">The key of its entry under <c>Addons</c>.</param>
/// <param name="Create">Makes the instance from the application's services when the host starts.</param>
internal sealed record InProcessAddon(string Id, Func<IServiceProvider, Addon> Create);
