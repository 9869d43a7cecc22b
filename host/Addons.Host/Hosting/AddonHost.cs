using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Commands;
using Addons.Host.Configuration;
using Addons.Host.Control;
using Addons.Host.Dump;
using Addons.Host.Events;
using Addons.Host.Health;
using Addons.Host.Loading;
using Addons.Host.Options;
using Addons.Host.Proxy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Hosting;

/// <summary>
/// Brings the addons up and down: loads every enabled plugin of plugins.json and of --addon in order, runs
/// <c>load</c>, binds each addon's options from its section and the command line, and runs the first
/// <c>configure</c>; later <c>running</c>, and <c>done</c> in reverse order. A plugin that fails is reported and
/// skipped unless it is required (an --addon always is). A watched plugin is reloaded when its build changes
/// (AddonHost.Reload.cs).
/// </summary>
internal sealed partial class AddonHost(
    AddonProxySettings settings,
    IServiceProvider services,
    PluginAddonFactory factory,
    ExchangedAssemblies exchangedAssemblies,
    AddonChain chain,
    OptionStore options,
    CommandRegistry commands,
    EventBus bus,
    ProxyAddon proxy,
    DumpAddon dump,
    ReadFileAddon readFile,
    SaveStreamAddon save,
    ControlAddon control,
    Intercept.InterceptAddon intercept,
    Replay.ReplayClientAddon clientPlayback,
    FlowInjector injector,
    FlowFileFormats flowFiles,
    AddonHealthChecks healthChecks,
    HostReadiness readiness,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory,
    ILogger<AddonHost> logger)
{
    private int _started;
    private int _stopped;
    private IReadOnlyList<PluginEntry> _entries = [];
    private ConfigurationChanges? _configurationChanges;

    /// <summary>The addons in chain order.</summary>
    public IReadOnlyList<LoadedAddon> Addons => chain.Addons;

    /// <summary>The sentences reported for plugins that failed to load without stopping the host.</summary>
    public IReadOnlyList<string> Failures => readiness.Failures;

    /// <summary>Whether <see cref="StartAsync"/> has run (addons-host runs it before the generic host starts).</summary>
    public bool Started => Volatile.Read(ref _started) != 0;

    /// <summary>Loads the addons, binds their options and runs the first <c>configure</c>; only the first call does anything.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }

        var fatal = new List<string>();
        commands.Register("host", "shutdown", () => lifetime.StopApplication(), "Stop the host as Ctrl+C does: every addon's done runs, queued flows are written.");
        AddBuiltIn(proxy, "Proxy", fatal);
        _watch = WatchSettings.Read(settings);
        chain.LogScopes = LogScopeSetting.Resolve(settings, services);
        var entries = PluginEntryReader.Read(settings);
        if (settings.Watch)
        {
            entries = [.. entries.Select(e => e with { Watch = e.InProcess is null })];
        }

        _entries = entries;
        exchangedAssemblies.Prepare(entries);
        if (entries.Count == 0)
        {
            LogNoPlugins(logger, settings.Source);
        }

        foreach (var entry in entries)
        {
            if (!entry.Enabled)
            {
                LogDisabled(logger, entry.Id);
                continue;
            }

            var addon = await LoadOneAsync(entry, fatal, cancellationToken).ConfigureAwait(false);
            if (addon is not null)
            {
                // A watched plugin's hooks pass a gate, which holds them back while a new build takes its place.
                chain.Add(addon, entry.Watch ? new HookGate() : null);
                LogLoaded(logger, addon.Name, addon.Version, entry.Id, addon.AssemblyPath);
            }
        }

        // mitmproxy's intercept, then mitmdump's file reading, file writing and output, last so that they see flows
        // as every addon left them; client replay last of all, so that its done (first in reverse order) ends the
        // replays in flight while every other addon still sees them end.
        AddBuiltIn(intercept, "Intercept", fatal);
        AddBuiltIn(readFile, "ReadFile", fatal);
        AddBuiltIn(save, "Save", fatal);
        AddBuiltIn(dump, "Dump", fatal);
        AddBuiltIn(control, "Control", fatal);
        AddBuiltIn(clientPlayback, "ClientPlayback", fatal);

        if (fatal.Count > 0)
        {
            throw new AddonHostException(fatal);
        }

        BindOptions();
        options.Configure = chain.ConfigureAsync;
        var allOptions = options.All.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        if (await chain.ConfigureAsync(allOptions, isInitial: true, cancellationToken).ConfigureAwait(false) is { } rejection)
        {
            throw new AddonHostException($"{rejection} The host does not start with options an addon refuses.");
        }
    }

    public async Task RunningAsync(CancellationToken cancellationToken)
    {
        await chain.InvokeAsync(Hook.Running, new LifecycleContext(cancellationToken)).ConfigureAwait(false);
        _running = true;
        readiness.SetRunning();
        LogRunning(logger, chain.Addons.Count);
        StartWatchers();
        _configurationChanges = new ConfigurationChanges(settings, _entries, chain, options, _watch.QuietPeriod, logger);
    }

    /// <summary>Applies the configuration's option values as they are now (for tests; a change of the file does it itself).</summary>
    internal Task ApplyConfigurationChangesAsync() => _configurationChanges?.ApplyAsync() ?? Task.CompletedTask;

    /// <summary>Delivers <c>done</c> in reverse order and releases what the addons held on the bus; only the first call does anything.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        // No reload starts now, and one under way finishes (a build it runs is cancelled) before the addons stop.
        readiness.SetStopping();
        _configurationChanges?.Dispose();
        await StopWatchersAsync().ConfigureAwait(false);
        await _reloads.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await chain.DoneAsync(cancellationToken).ConfigureAwait(false);
            foreach (var addon in chain.Addons)
            {
                addon.Bus.DisposeSubscriptions();
            }

            LogDone(logger, chain.Addons.Count);
        }
        finally
        {
            _reloads.Release();
        }
    }

    /// <summary>
    /// Takes one addon out of the running host: its <c>done</c>, then its subscriptions, commands and options, then its
    /// load context. Returns false if no addon has that name.
    /// </summary>
    public async Task<bool> UnloadAsync(string name, CancellationToken cancellationToken)
    {
        var addon = chain.Find(name);
        if (addon is null)
        {
            return false;
        }

        chain.Remove(addon);
        await chain.InvokeOneAsync(Hook.Done, addon, new LifecycleContext(cancellationToken)).ConfigureAwait(false);
        Release(addon);
        _ = Retire(addon);
        LogUnloaded(logger, addon.Name, addon.Entry.Id);
        return true;
    }

    /// <summary>Adds an addon of the host itself; its options come from a top-level section named <paramref name="section"/>.</summary>
    private void AddBuiltIn(Addon instance, string section, List<string> fatal)
    {
        var options = settings.Configuration.GetSection(section);
        var entry = new PluginEntry(section, "(built in)", [], true, int.MinValue, true, options) { SectionKey = options.Path };
        var version = typeof(AddonHost).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        var addon = new LoadedAddon(entry, "(built in)", null, instance, version, new AddonEventBus(bus, instance.Name));
        if (Register(addon, fatal))
        {
            chain.Add(addon);
        }
    }

    private async Task<LoadedAddon?> LoadOneAsync(PluginEntry entry, List<string> fatal, CancellationToken cancellationToken)
    {
        LoadedAddon addon;
        try
        {
            addon = entry.InProcess is { } inProcess
                ? CreateInProcess(entry, inProcess)
                : await factory.CreateAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch (AddonHostException ex)
        {
            Fail(entry, ex.Message, fatal);
            return null;
        }

        return Register(addon, fatal) ? addon : null;
    }

    /// <summary>An addon of the application: made from its services, in the application's own load context.</summary>
    private LoadedAddon CreateInProcess(PluginEntry entry, InProcessAddon inProcess)
    {
        Addon instance;
        try
        {
            instance = inProcess.Create(services);
        }
        catch (Exception ex)
        {
            throw new AddonHostException($"Addon '{entry.Id}' (added in process) could not be created: {ex.Message}", ex);
        }

        var assembly = instance.GetType().Assembly;
        var version = assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        return new LoadedAddon(entry, assembly.Location is { Length: > 0 } location ? location : "(in process)", null, instance, version, new AddonEventBus(bus, instance.Name));
    }

    /// <summary>Runs <c>load</c>; false (with the failure reported and the plugin's context let go) if the addon cannot join.</summary>
    private bool Register(LoadedAddon addon, List<string> fatal)
    {
        if (Load(addon, replacing: null) is not { } failure)
        {
            return true;
        }

        addon.Loader?.Dispose();
        if (failure.Duplicate)
        {
            fatal.Add(failure.Reason);
        }
        else
        {
            Fail(addon.Entry, failure.Reason, fatal);
        }

        return false;
    }

    /// <summary>
    /// Checks the addon's name is free (but for the addon it is <paramref name="replacing"/>) and runs <c>load</c>; the
    /// failure, with what the addon declared released, or null. A duplicate name stops the host at start.
    /// </summary>
    private (string Reason, bool Duplicate)? Load(LoadedAddon addon, LoadedAddon? replacing)
    {
        var entry = addon.Entry;
        if (chain.Find(addon.Name) is { } other && !ReferenceEquals(other, replacing))
        {
            return ($"Plugins '{other.Entry.Id}' ({other.AssemblyPath}) and '{entry.Id}' ({addon.AssemblyPath}) both provide an addon named '{addon.Name}'; addon names must be unique, so disable one of them.", true);
        }

        try
        {
            var registration = new AddonRegistration(addon.Name, addon.Bus, commands, options, factory.CreateLogger(addon), injector, flowFiles.For(addon.Name), healthChecks);
            addon.Instance.Load(registration);
            return null;
        }
        catch (Exception ex)
        {
            Release(addon);
            return ($"Plugin '{entry.Id}': addon '{addon.Name}' failed in load: {ex.Message}", false);
        }
    }

    private void Fail(PluginEntry entry, string message, List<string> fatal)
    {
        if (entry.Required)
        {
            fatal.Add($"{message} {entry.RequiredReason}");
        }
        else
        {
            readiness.AddFailure(message);
            LogPluginFailed(logger, message);
        }
    }

    /// <summary>Removes what an addon declared and subscribed: its subscriptions, commands, options and flow file formats.</summary>
    private void Release(LoadedAddon addon)
    {
        addon.Bus.DisposeSubscriptions();
        commands.RemoveOwner(addon.Name);
        options.RemoveOwner(addon.Name);
        flowFiles.RemoveOwner(addon.Name);
        healthChecks.RemoveOwner(addon.Name);
    }

    /// <summary>
    /// Lets go of a released addon's load context: the bus forgets its types, and a collectible (watched) context is
    /// unloaded and checked. The task is true once it is gone (at once for a context that does not unload).
    /// </summary>
    /// <remarks>Not async and not inlined, so that no caller's state keeps the addon, and with it the context, alive.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Task<bool> Retire(LoadedAddon addon)
    {
        if (addon.Loader is not null && AssemblyLoadContext.GetLoadContext(addon.Instance.GetType().Assembly) is { IsCollectible: true } context)
        {
            bus.Forget(context);
        }

        return UnloadCheck.Unload(addon) is { } reference ? UnloadCheck.VerifyAsync(reference, addon.Entry.Id, logger) : Task.FromResult(true);
    }

    /// <summary>Each addon's own <c>Options</c> section first, then <c>--set</c>; every error is collected.</summary>
    private void BindOptions()
    {
        var errors = new List<string>();
        foreach (var addon in chain.Addons)
        {
            BindSection(addon, errors);
        }

        BindSets(settings.Sets, errors);
        if (errors.Count > 0)
        {
            throw new AddonHostException(errors);
        }
    }

    /// <summary>The values of the addon's <c>Options</c> section (plugins.json, the environment, the command line).</summary>
    private void BindSection(LoadedAddon addon, List<string> errors)
    {
        foreach (var setting in addon.Entry.Options.GetChildren())
        {
            var where = settings.Describe(setting.Path);
            var option = (OptionEntry?)options.Find(setting.Key.ToLowerInvariant());
            if (option is null || option.Owner != addon.Name)
            {
                var own = options.All.Where(o => o.Owner == addon.Name).Select(o => o.Name).ToList();
                var hint = option is not null
                    ? $"it belongs to addon '{option.Owner}', so set it in that addon's Options section"
                    : own.Count == 0 ? $"addon '{addon.Name}' declares no options" : $"addon '{addon.Name}' has {string.Join(", ", own)}";
                errors.Add($"{where}: {setting.Path} is not an option of addon '{addon.Name}'; {hint}.");
                continue;
            }

            if (!OptionValues.TryRead(option.ValueType, setting, out var raw) || !options.TryConvert(option.Name, raw, out var value, out _))
            {
                var shown = setting.Value ?? "(an object or array)";
                var expected = option.Choices is { } choices ? $"one of {string.Join(", ", choices)}" : OptionValues.Describe(option.ValueType);
                errors.Add($"{where}: {setting.Path} is \"{shown}\", but option '{option.Name}' takes {expected}.");
                continue;
            }

            options.AssignInitial(option.Name, value);
        }
    }

    /// <summary>
    /// The <c>--set NAME=VALUE</c> values in order. A list option takes every value it is given, as mitmproxy's
    /// <c>--set</c> and repeated flags such as -C build a list (<c>--set ignore_hosts=a --set ignore_hosts=b</c> is
    /// both; an empty value adds nothing, so <c>--set ignore_hosts=</c> alone empties it); any other option keeps its
    /// last value.
    /// </summary>
    private void BindSets(IEnumerable<KeyValuePair<string, string>> sets, List<string> errors)
    {
        var lists = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, text) in sets)
        {
            if (options.Find(name)?.ValueType != typeof(IReadOnlyList<string>))
            {
                BindSet(name, text, errors);
                continue;
            }

            if (!lists.TryGetValue(name, out var items))
            {
                lists[name] = items = [];
            }

            if (text.Length > 0)
            {
                items.Add(text);
            }
        }

        foreach (var (name, items) in lists)
        {
            options.AssignInitial(name, items.ToArray());
        }
    }

    /// <summary>One <c>--set NAME=VALUE</c>.</summary>
    private void BindSet(string name, string text, List<string> errors)
    {
        if (options.TryConvert(name, text, out var value, out var error))
        {
            options.AssignInitial(name, value);
        }
        else
        {
            errors.Add($"--set {name}={text}: {error}");
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Loaded addon '{Addon}' {Version} (plugin {PluginId}, {Path})")]
    private static partial void LogLoaded(ILogger logger, string addon, string version, string pluginId, string path);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Plugin {PluginId} is disabled in configuration; not loaded")]
    private static partial void LogDisabled(ILogger logger, string pluginId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "{Reason} The other plugins still start.")]
    private static partial void LogPluginFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Running with {Count} addon(s)")]
    private static partial void LogRunning(ILogger logger, int count);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Done: {Count} addon(s) stopped")]
    private static partial void LogDone(ILogger logger, int count);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "{Source} lists no plugins; running with the built-in addons only.")]
    private static partial void LogNoPlugins(ILogger logger, string source);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Unloaded addon '{Addon}' (plugin {PluginId})")]
    private static partial void LogUnloaded(ILogger logger, string addon, string pluginId);
}
