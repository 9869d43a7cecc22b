using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Console;

namespace Addons.Host.Hosting;

/// <summary>
/// Running as a service. Under systemd (a <c>Type=notify</c> unit, deploy/systemd) the host tells the manager
/// <c>READY=1</c> once the proxy listens and every addon's <c>running</c> has run, <c>STOPPING=1</c> when it begins to
/// stop, and logs in the journal's format (<c>&lt;6&gt;</c> priority prefixes, no timestamps: the journal adds its own).
/// As a Windows service it answers the service control manager and logs warnings and errors to the Event Log.
/// Run from a terminal, none of this applies and nothing changes.
/// </summary>
internal static class ServiceIntegration
{
    /// <summary>The variable a service manager sets to the socket it expects readiness notifications on.</summary>
    public const string NotifySocketVariable = "NOTIFY_SOCKET";

    /// <summary>
    /// Adds the systemd and Windows service lifetimes, each only where its manager started the process. Call it after
    /// the console logger is added, so that the journal's format replaces the terminal's.
    /// </summary>
    public static void AddServiceIntegration(this HostApplicationBuilder builder)
    {
        var services = builder.Services;

        // Takes effect only when systemd is the parent process (or the process is PID 1 of a container with
        // NOTIFY_SOCKET or LISTEN_PID): the journal's format and SystemdLifetime.
        services.AddSystemd();
        if (!SystemdHelpers.IsSystemdService() && HasNotifySocket())
        {
            // Type=notify always sets NOTIFY_SOCKET, and so do other supervisors (systemd-notify --exec, podman's
            // --sdnotify, s6 and runit adapters) whose child is not a direct child of systemd; .NET 10 looks at the
            // parent alone, so these would wait for a READY=1 that never comes.
            services.Configure<ConsoleLoggerOptions>(console => console.FormatterName = ConsoleFormatterNames.Systemd);
            services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }

        // A no-op unless the service control manager started the process. The Event Log source is the application's
        // name, addons-host; the Event Log logger takes warnings and above unless Logging:EventLog:LogLevel says more.
        services.AddWindowsService(service => service.ServiceName = builder.Environment.ApplicationName);
    }

    private static bool HasNotifySocket() =>
        !OperatingSystem.IsWindows() && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(NotifySocketVariable));
}
