using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Addons.Host.Hosting;

/// <summary>
/// Whether the chain begins a log scope (<c>Addon</c>, <c>FlowId</c>) around each addon's hook: as the application
/// says (<see cref="AddonProxyOptions.LogScopes"/>), else when the console log shows scopes (the JSON formatter does by
/// default; the single-line and journal formats only with <c>Logging:Console:FormatterOptions:IncludeScopes</c>).
/// </summary>
internal static class LogScopeSetting
{
    public static bool Resolve(AddonProxySettings settings, IServiceProvider services) =>
        settings.LogScopes ?? ConsoleShowsScopes(services);

    private static bool ConsoleShowsScopes(IServiceProvider services)
    {
        var formatter = services.GetService<IOptionsMonitor<ConsoleLoggerOptions>>()?.CurrentValue.FormatterName;
        return formatter switch
        {
            ConsoleFormatterNames.Json => services.GetService<IOptionsMonitor<JsonConsoleFormatterOptions>>()?.CurrentValue.IncludeScopes ?? false,
            ConsoleFormatterNames.Systemd => services.GetService<IOptionsMonitor<ConsoleFormatterOptions>>()?.CurrentValue.IncludeScopes ?? false,
            _ => services.GetService<IOptionsMonitor<SimpleConsoleFormatterOptions>>()?.CurrentValue.IncludeScopes ?? false,
        };
    }
}
