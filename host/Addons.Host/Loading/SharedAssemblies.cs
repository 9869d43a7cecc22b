using Addons.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Addons.Host.Loading;

/// <summary>
/// The only assemblies a plugin shares with the host: the contract and the Microsoft.Extensions abstractions it
/// exposes. Everything else a plugin uses comes from its own folder, so two plugins can use different versions of a library.
/// </summary>
internal static class SharedAssemblies
{
    public static readonly Type[] Types =
    [
        typeof(Addon),                  // Addons.Abstractions
        typeof(ILogger),                // Microsoft.Extensions.Logging.Abstractions
        typeof(ActivatorUtilities),     // Microsoft.Extensions.DependencyInjection.Abstractions
        typeof(IConfiguration),         // Microsoft.Extensions.Configuration.Abstractions
        typeof(StringValues),           // Microsoft.Extensions.Primitives
    ];
}
