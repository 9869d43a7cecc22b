using Addons.Abstractions.Commands;
using Addons.Abstractions.Options;
using Addons.Host.Chain;
using Addons.Host.Commands;
using Addons.Host.Control;
using Addons.Host.Diagnostics;
using Addons.Host.Dump;
using Addons.Host.Events;
using Addons.Host.Health;
using Addons.Host.Loading;
using Addons.Host.Options;
using Addons.Host.Proxy;
using Addons.Host.Proxy.Upstream;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Addons.Host.Hosting;

/// <summary>
/// The host's services, the same for <c>addons-host</c> and for an application that embeds the proxy: the caller
/// registers an <see cref="AddonProxySettings"/>, this adds the rest. The addons start as the generic host starts
/// (<see cref="AddonLifecycleService"/>), before the proxy listens.
/// </summary>
internal static class AddonProxyServices
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<HostMetrics>();
        services.AddSingleton<EventBus>();
        services.AddSingleton<CommandRegistry>();
        services.AddSingleton<ICommandRegistry>(sp => sp.GetRequiredService<CommandRegistry>());
        services.AddSingleton<OptionStore>();
        services.AddSingleton<IOptionStore>(sp => sp.GetRequiredService<OptionStore>());
        services.AddSingleton<AddonChain>();
        services.AddSingleton<FlowInjector>();
        services.AddSingleton<FlowFileFormats>();
        services.AddSingleton<PluginProjectBuilder>();
        services.AddSingleton<PluginAddonFactory>();
        services.AddSingleton<ExchangedAssemblies>();
        services.AddSingleton<AddonHost>();
        services.AddSingleton<AddonHealthChecks>();
        services.AddSingleton<HostReadiness>();
        services.AddSingleton<HostHealthChecks>();
        services.AddSingleton<ProxyAddon>();
        services.AddSingleton<DumpAddon>();
        services.AddSingleton<ReadFileAddon>();
        services.AddSingleton<SaveStreamAddon>();
        services.AddSingleton<ControlAddon>();
        services.AddSingleton<Intercept.InterceptAddon>();
        services.AddSingleton<NoServerExit>();
        services.AddSingleton<Replay.ReplaySender>();
        services.AddSingleton<Replay.ReplayClientAddon>();
        services.AddSingleton<UpstreamConnector>();
        services.AddSingleton<ProxyServer>();
        services.AddSingleton<IAddonProxy, RunningProxy>();

        // The addons load and configure at StartingAsync, before any hosted service starts; the proxy then listens.
        services.AddHostedService<AddonLifecycleService>();
        services.AddHostedService(sp => sp.GetRequiredService<ProxyServer>());
    }
}
