using Addons.Abstractions.Commands;
using Addons.Abstractions.Options;
using Addons.Host.Configuration;
using Addons.Host.Control;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Addons.Host.Hosting;

/// <summary>The host's entry point: command line, plugins.json, the generic host, then the addons.</summary>
internal static class HostProgram
{
    public const int ExitOk = 0;
    public const int ExitStartupFailed = 1;
    public const int ExitUsage = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        HostCommandLine commandLine;
        PluginsFile file;
        try
        {
            commandLine = HostCommandLine.Parse(args);
            if (commandLine.ShowHelp)
            {
                await output.WriteLineAsync(HostCommandLine.Usage).ConfigureAwait(false);
                return ExitOk;
            }

            file = PluginsFile.Open(commandLine.PluginsPath);
        }
        catch (AddonHostException ex)
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitUsage;
        }

        if (commandLine.Command is not null)
        {
            return await CommandClient.RunAsync(commandLine, file, output, error).ConfigureAwait(false);
        }

        using var host = CreateBuilder(commandLine, file).Build();
        var addons = host.Services.GetRequiredService<AddonHost>();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Addons.Host");
        try
        {
            await addons.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (AddonHostException ex)
        {
            foreach (var sentence in ex.Errors.Count > 0 ? ex.Errors : [ex.Message])
            {
                logger.LogCritical("{Error}", sentence);
            }

            await addons.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitStartupFailed;
        }

        if (commandLine.ListOptions || commandLine.ListCommands)
        {
            if (commandLine.ListOptions)
            {
                await WriteOptionsAsync(output, host.Services.GetRequiredService<IOptionStore>()).ConfigureAwait(false);
            }

            if (commandLine.ListCommands)
            {
                await WriteCommandsAsync(output, host.Services.GetRequiredService<ICommandRegistry>()).ConfigureAwait(false);
            }

            await addons.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return ExitOk;
        }

        // The proxy that cannot listen stops the host with exit code 1, so that a service manager restarts it.
        await host.RunAsync().ConfigureAwait(false);
        return Environment.ExitCode;
    }

    public static HostApplicationBuilder CreateBuilder(HostCommandLine commandLine, PluginsFile file)
    {
        // plugins.json goes in first, so appsettings, the environment and the command line all override it.
        var configuration = new ConfigurationManager();
        // Saved while the host runs, its option values are applied (ConfigurationChanges); a malformed save is reported
        // there with its line, not thrown from the file watcher.
        configuration.AddJsonFile(source =>
        {
            source.Path = file.FullPath;
            source.Optional = false;
            source.ReloadOnChange = true;
            source.ResolveFileProvider();
            source.OnLoadException = context => context.Ignore = context.Provider.Source == source && File.Exists(file.FullPath) && context.Exception is not null;
        });

        // Each --addon as if plugins.json listed it; the environment and the command line can still override it.
        configuration.AddInMemoryCollection(commandLine.Addons.SelectMany(a => a.ConfigurationKeys));
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [.. commandLine.ConfigurationArguments],
            Configuration = configuration,
            ContentRootPath = AppContext.BaseDirectory,
        });

        ConsoleLogFormat.Configure(builder);

        // Standard output carries flows only (lines, or JSON objects one a line), so that a pipeline reading it never
        // meets a log line, nor half of one inside a flow's line: every log line goes to standard error.
        builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        if (commandLine.Verbosity != 0)
        {
            builder.Logging.SetMinimumLevel(commandLine.Verbosity < 0 ? LogLevel.Warning : LogLevel.Debug);
        }

        builder.AddServiceIntegration();

        builder.Services.AddSingleton(AddonProxySettings.FromCommandLine(configuration, file, commandLine));
        AddonProxyServices.Add(builder.Services);
        return builder;
    }

    private static async Task WriteOptionsAsync(TextWriter output, IOptionStore options)
    {
        foreach (var option in options.All.OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            var choices = option.Choices is { } c ? $" (one of {string.Join(", ", c)})" : "";
            await output.WriteLineAsync($"{option.Name} = {option.FormatValue()}    [{option.Owner}] {option.Help}{choices}").ConfigureAwait(false);
        }
    }

    private static async Task WriteCommandsAsync(TextWriter output, ICommandRegistry commands)
    {
        foreach (var command in commands.List())
        {
            await output.WriteLineAsync($"{command.Signature}    [{command.Owner}] {command.Help}").ConfigureAwait(false);
        }
    }
}
