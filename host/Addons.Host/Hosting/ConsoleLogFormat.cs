using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Addons.Host.Hosting;

/// <summary>
/// The log's format on the console: one short line per entry unless configuration names another formatter
/// (<c>Logging:Console:FormatterName</c>: <c>json</c> for a log collector, with each entry's scopes, so the addon and
/// the flow an addon logged about are fields; <c>systemd</c> for the journal).
/// </summary>
internal static class ConsoleLogFormat
{
    public const string FormatterKey = "Logging:Console:FormatterName";

    public static void Configure(HostApplicationBuilder builder)
    {
        var configured = builder.Configuration[FormatterKey];
        if (string.IsNullOrEmpty(configured))
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            });
            return;
        }

        // What configuration names wins over the journal's format a service manager would choose (ServiceIntegration).
        builder.Services.PostConfigure<ConsoleLoggerOptions>(console => console.FormatterName = configured);

        // The formatter options bind from Logging:Console:FormatterOptions; scopes are on unless that says otherwise.
        if (builder.Configuration["Logging:Console:FormatterOptions:IncludeScopes"] is null)
        {
            builder.Services.Configure<JsonConsoleFormatterOptions>(json => json.IncludeScopes = true);
        }
    }
}
