using Addons.Abstractions.Commands;
using Addons.Abstractions.Events;
using Addons.Abstractions.Options;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Loading;

/// <summary>
/// The services an addon's constructor can ask for: its own event bus, logger and the shared registries, then
/// anything the host container has (ILogger&lt;T&gt;, ILoggerFactory, TimeProvider...).
/// </summary>
internal sealed class AddonServiceProvider(IServiceProvider host, IEventBus bus, ICommandRegistry commands, IOptionStore options, ILogger logger) : IServiceProvider
{
    public object? GetService(Type serviceType) =>
        serviceType == typeof(IEventBus) ? bus
        : serviceType == typeof(ICommandRegistry) ? commands
        : serviceType == typeof(IOptionStore) ? options
        : serviceType == typeof(ILogger) ? logger
        : serviceType.IsCollectible && serviceType.IsConstructedGenericType && serviceType.GetGenericTypeDefinition() == typeof(ILogger<>) ? CollectibleLogger(serviceType)
        : host.GetService(serviceType);

    /// <summary>
    /// An ILogger&lt;T&gt; of a type in a collectible (watched) plugin, made here: the host container would keep it, and
    /// with it the plugin's type, for as long as the host runs, so that the plugin could never unload.
    /// </summary>
    private object? CollectibleLogger(Type serviceType) =>
        host.GetService(typeof(ILoggerFactory)) is ILoggerFactory factory
            ? Activator.CreateInstance(typeof(Logger<>).MakeGenericType(serviceType.GenericTypeArguments), factory)
            : null;
}
