using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Host.Chain;
using Addons.Host.Commands;
using Addons.Host.Configuration;
using Addons.Host.Events;
using Addons.Host.Hosting;
using Addons.Host.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// The real host, built as Program builds it, over a plugins.json written to a temporary folder, with its log collected.
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _folder;
    private bool _stopped;

    private TestHost(IHost host, string folder, LogCollector logs)
    {
        _host = host;
        _folder = folder;
        Logs = logs;
    }

    public LogCollector Logs { get; }

    public IServiceProvider Services => _host.Services;

    public AddonHost Addons => Services.GetRequiredService<AddonHost>();

    public AddonChain Chain => Services.GetRequiredService<AddonChain>();

    public CommandRegistry Commands => Services.GetRequiredService<CommandRegistry>();

    public OptionStore Options => Services.GetRequiredService<OptionStore>();

    public EventBus Bus => Services.GetRequiredService<EventBus>();

    public IHost Host => _host;

    /// <summary>The addons that came from plugins (the built-in proxy addon left out), in chain order.</summary>
    public string[] PluginAddonNames => [.. Chain.Addons.Where(a => a.Loader is not null).Select(a => a.Name)];

    /// <summary>A plugins.json "Addons" body entry for a test plugin.</summary>
    public static string Entry(string id, string path, int order, string extra = "") =>
        $"{TestPaths.Json(id)}: {{ \"Path\": {TestPaths.Json(path)}, \"Order\": {order}{(extra.Length > 0 ? ", " + extra : "")} }}";

    /// <summary>Writes plugins.json with the given entries, builds the host and starts the addons (load, options, configure).</summary>
    public static Task<TestHost> StartAsync(IEnumerable<string> entries, params string[] args) =>
        StartWithFileAsync($"{{ \"Addons\": {{ {string.Join(", ", entries)} }} }}", args);

    /// <summary>As <see cref="StartAsync(IEnumerable{string}, string[])"/>, with services of the test's own in place of the host's (a fake TimeProvider).</summary>
    public static Task<TestHost> StartAsync(IEnumerable<string> entries, Action<IServiceCollection> services, params string[] args) =>
        StartCoreAsync($"{{ \"Addons\": {{ {string.Join(", ", entries)} }} }}", services, args);

    /// <summary>As <see cref="StartAsync(IEnumerable{string}, string[])"/>, with addons of the test's own in the chain (in process, after the plugins).</summary>
    public static Task<TestHost> StartAsync(IEnumerable<string> entries, IReadOnlyList<Addon> addons, params string[] args) =>
        StartCoreAsync($"{{ \"Addons\": {{ {string.Join(", ", entries)} }} }}", services => AddInProcess(services, addons), args);

    public static Task<TestHost> StartWithFileAsync(string pluginsJson, params string[] args) => StartCoreAsync(pluginsJson, null, args);

    /// <summary>The host's settings as the command line made them, with the test's addons added in process.</summary>
    private static void AddInProcess(IServiceCollection services, IReadOnlyList<Addon> addons)
    {
        var settings = (AddonProxySettings)services.Last(d => d.ServiceType == typeof(AddonProxySettings)).ImplementationInstance!;
        services.AddSingleton(settings with { InProcess = [.. addons.Select(a => new InProcessAddon(a.Name, _ => a))] });
    }

    private static async Task<TestHost> StartCoreAsync(string pluginsJson, Action<IServiceCollection>? services, string[] args)
    {
        var folder = Directory.CreateTempSubdirectory("addons-test-").FullName;
        var path = Path.Combine(folder, "plugins.json");
        await File.WriteAllTextAsync(path, pluginsJson);
        var logs = new LogCollector();
        IHost? host = null;
        try
        {
            // A test never takes port 8080, writes a CA into the user's home or prints flows on the test run's output;
            // its own arguments can still override.
            var commandLine = HostCommandLine.Parse(["--set", "listen_port=0", "--set", $"confdir={Path.Combine(folder, "conf")}", "--set", "flow_detail=0", .. args, "--plugins", path]);
            var builder = HostProgram.CreateBuilder(commandLine, PluginsFile.Open(commandLine.PluginsPath));
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            services?.Invoke(builder.Services);
            host = builder.Build();
            var testHost = new TestHost(host, folder, logs);
            await testHost.Addons.StartAsync(CancellationToken.None);
            return testHost;
        }
        catch
        {
            if (host is not null)
            {
                await host.Services.GetRequiredService<AddonHost>().StopAsync(CancellationToken.None);
                host.Dispose();
            }

            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>Runs a command by name with text arguments, as a user would.</summary>
    public async Task<object?> ExecuteAsync(string command, params string[] arguments) =>
        await Services.GetRequiredService<ICommandRegistry>().ExecuteAsync(command, arguments);

    /// <summary>The hooks a Recorder plugin saw.</summary>
    public async Task<string[]> RecordedAsync(string recorder) => (string[])(await ExecuteAsync($"{recorder}.log"))!;

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await Addons.StopAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A plugin still holding a file open must not fail the test that used it.
        }
    }
}
