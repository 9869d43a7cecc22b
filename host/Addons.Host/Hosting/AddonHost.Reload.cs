using System.Globalization;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Interop;
using Addons.Host.Chain;
using Addons.Host.Commands;
using Addons.Host.Configuration;
using Addons.Host.Health;
using Addons.Host.Loading;
using Addons.Host.Options;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Hosting;

/// <summary>
/// Hot reload of watched plugins (<c>--watch</c>, an entry's <c>"Watch": true</c>): a new build takes the place of the
/// running one. In order: the new build is loaded beside the old one; its <c>load</c> runs, with the old instance's
/// commands, options and flow file formats set aside so that it can declare the same names, and the values the user
/// gave (plugins.json, <c>--set</c>, changes at run time) are applied to its options; the plugin's gate closes and the
/// hooks running in the old instance finish; the old instance gets <c>done</c> and its subscriptions go; the new one
/// gets <c>configure</c> and <c>running</c>, takes the old one's place, and the gate opens. The old build is then
/// unloaded and checked. Anything that fails before the old instance's <c>done</c> puts its declarations back and
/// leaves it running as it was; a new build that rejects the options in <c>configure</c> comes after it, so a new
/// instance of the loaded build takes its place.
/// </summary>
internal sealed partial class AddonHost
{
    private readonly SemaphoreSlim _reloads = new(1, 1);
    private readonly List<PluginWatcher> _watchers = [];
    private WatchSettings _watch = WatchSettings.Default;
    private volatile bool _running;

    /// <summary>
    /// Replaces the watched plugin of <paramref name="entry"/> (by its id) with a new instance of its current build,
    /// building an --addon project first; reloads run one at a time. The outcome is logged: "Reloaded plugin 'X'", or
    /// "Reload of plugin 'X' failed; the loaded build keeps running: ..." with the reason.
    /// </summary>
    public async Task<PluginReload> ReloadAsync(PluginEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await _reloads.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return PluginReload.Cancelled;
        }

        try
        {
            if (Volatile.Read(ref _stopped) != 0)
            {
                return PluginReload.Cancelled;
            }

            var old = chain.Addons.FirstOrDefault(a => a.Loader is not null && a.Entry.Id.Equals(entry.Id, StringComparison.OrdinalIgnoreCase));
            if (old is null || chain.GateOf(old) is not { } gate)
            {
                return Failed(entry.Id, old is null
                    ? "it is not loaded."
                    : $"it is not watched, so it was loaded to stay; set \"Watch\": true in its entry ({old.Entry.Key}:Watch) or run with --watch.");
            }

            return await SwapAsync(old, gate, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _reloads.Release();
        }
    }

    private async Task<PluginReload> SwapAsync(LoadedAddon old, HookGate gate, CancellationToken cancellationToken)
    {
        var entry = old.Entry;

        // The new build, beside the old one: a build that fails, or an assembly that does not load, touches nothing.
        LoadedAddon next;
        try
        {
            // A build's first error says what to fix; the rest are usually its consequences.
            next = await factory.CreateAsync(entry, cancellationToken, buildErrorsShown: 1).ConfigureAwait(false);
        }
        catch (AddonHostException ex)
        {
            return Failed(entry.Id, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return PluginReload.Cancelled;
        }

        // Its load and the user's values, with the old instance's declarations set aside; it has them back on failure.
        var detached = Detach(old);
        var loadFailure = Load(next, replacing: old)?.Reason;
        var failure = loadFailure ?? BindReloaded(next, detached);
        if (failure is not null)
        {
            var unloaded = await DiscardAsync(next, loaded: loadFailure is null).ConfigureAwait(false);
            Restore(detached);
            return Failed(entry.Id, failure, unloaded);
        }

        // The hooks running in the old instance finish; the ones that come meanwhile wait for the swap.
        if (!await gate.CloseAsync(_watch.HookTimeout).ConfigureAwait(false))
        {
            var running = gate.InFlight;
            gate.Open();
            var unloaded = await DiscardAsync(next, loaded: true).ConfigureAwait(false);
            Restore(detached);
            return Failed(entry.Id,
                $"{running} hook call(s) of addon '{old.Name}' were still running after {Seconds(_watch.HookTimeout)} (Watch:HookTimeout), so it was not stopped; change the plugin again to retry.",
                unloaded);
        }

        string? refused;
        LoadedAddon? inPlace;
        string? revivalFailure = null;
        Task<bool> discarded;
        try
        {
            await DoneWithinTimeoutAsync(old).ConfigureAwait(false);
            old.Bus.DisposeSubscriptions();
            refused = await chain.ConfigureOneAsync(next, AllOptionNames(), isInitial: true, CancellationToken.None).ConfigureAwait(false);
            inPlace = next;
            discarded = Task.FromResult(true);
            if (refused is not null)
            {
                // The old instance has stopped: a new one of the build it came from takes the place.
                discarded = await DiscardAsync(next, loaded: true).ConfigureAwait(false);
                (inPlace, revivalFailure) = await ReviveAsync(old, detached).ConfigureAwait(false);
            }

            if (inPlace is null)
            {
                chain.Remove(old);
            }
            else
            {
                chain.Replace(old, inPlace);
                if (_running)
                {
                    await chain.InvokeOneAsync(Hook.Running, inPlace, new LifecycleContext(CancellationToken.None)).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            gate.Open();
        }

        if (refused is null)
        {
            LogReloaded(logger, entry.Id, next.Version);
            return new PluginReload(true, null, Retire(old));
        }

        if (inPlace is null)
        {
            var reason = $"Plugin '{entry.Id}' is no longer loaded: its new build was refused ({refused.TrimEnd('.')}), and the loaded build did not start again: {revivalFailure}";
            LogGone(logger, reason);
            _ = Retire(old);
            return new PluginReload(false, reason, discarded);
        }

        return Failed(entry.Id, $"{refused} A new instance of the loaded build runs in its place, as the old one had already stopped.", discarded);
    }

    /// <summary>A new instance of the loaded build, with the user's values, configured; or why it could not be.</summary>
    private async Task<(LoadedAddon? Addon, string? Failure)> ReviveAsync(LoadedAddon old, Detached detached)
    {
        LoadedAddon fresh;
        try
        {
            fresh = factory.Recreate(old);
        }
        catch (AddonHostException ex)
        {
            return (null, ex.Message);
        }

        if (Load(fresh, replacing: old) is { } loadFailure)
        {
            return (null, loadFailure.Reason);
        }

        var failure = BindReloaded(fresh, detached) ?? await chain.ConfigureOneAsync(fresh, AllOptionNames(), isInitial: true, CancellationToken.None).ConfigureAwait(false);
        if (failure is null)
        {
            return (fresh, null);
        }

        await DoneWithinTimeoutAsync(fresh).ConfigureAwait(false);
        Release(fresh);
        return (null, failure);
    }

    /// <summary>
    /// The values a user gave, applied to the new build's options as they were to the old one's: its <c>Options</c>
    /// section and the <c>--set</c> of its options (a mistake is the reload's failure, as it is the host's at start),
    /// then what was changed at run time, where the new build still has that option and takes that value.
    /// </summary>
    private string? BindReloaded(LoadedAddon addon, Detached detached)
    {
        var errors = new List<string>();
        BindSection(addon, errors);
        BindSets(settings.Sets.Where(s => (options.Find(s.Key) is { } option && option.Owner == addon.Name) || detached.Options.Any(o => o.Name == s.Key)), errors);

        if (errors.Count > 0)
        {
            return string.Join(" ", errors);
        }

        foreach (var previous in detached.Options.Where(o => o.SetAtRunTime))
        {
            if (options.Find(previous.Name) is OptionEntry option && option.Owner == addon.Name &&
                (options.TryConvert(previous.Name, previous.CurrentValue, out var value, out _) || options.TryConvert(previous.Name, previous.FormatValue(), out value, out _)))
            {
                options.AssignInitial(previous.Name, value);
                option.SetAtRunTime = true;
            }
            else
            {
                LogValueNotCarried(logger, addon.Entry.Id, previous.Name, previous.FormatValue());
            }
        }

        return null;
    }

    /// <summary>Lets go of a new build that does not take the place: its <c>done</c> if it loaded, its declarations, its context.</summary>
    private async Task<Task<bool>> DiscardAsync(LoadedAddon addon, bool loaded)
    {
        if (loaded)
        {
            await DoneWithinTimeoutAsync(addon).ConfigureAwait(false);
            Release(addon);
        }

        return Retire(addon);
    }

    /// <summary><c>done</c>, with its token cancelled after Watch:HookTimeout; the swap goes on without it then.</summary>
    private async Task DoneWithinTimeoutAsync(LoadedAddon addon)
    {
        using var timeout = new CancellationTokenSource(_watch.HookTimeout);
        try
        {
            await chain.InvokeOneAsync(Hook.Done, addon, new LifecycleContext(timeout.Token)).AsTask().WaitAsync(_watch.HookTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            LogDoneTimedOut(logger, addon.Name, Seconds(_watch.HookTimeout));
        }
    }

    private HashSet<string> AllOptionNames() => options.All.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

    private Detached Detach(LoadedAddon addon) =>
        new(addon.Name, commands.Detach(addon.Name), options.Detach(addon.Name), flowFiles.Detach(addon.Name), healthChecks.Detach(addon.Name));

    private void Restore(Detached detached)
    {
        commands.Restore(detached.Commands);
        options.Restore(detached.Options);
        flowFiles.Restore(detached.Owner, detached.Formats);
        healthChecks.Restore(detached.HealthChecks);
    }

    private PluginReload Failed(string pluginId, string reason, Task<bool>? unloaded = null)
    {
        // The sentences of loading name the plugin first; the log line already does.
        var prefix = $"Plugin '{pluginId}': ";
        reason = reason.StartsWith(prefix, StringComparison.Ordinal) ? reason[prefix.Length..] : reason;
        LogReloadFailed(logger, pluginId, reason);
        return new PluginReload(false, reason, unloaded ?? Task.FromResult(true));
    }

    /// <summary>Watches every watched plugin that loaded, once the host runs.</summary>
    private void StartWatchers()
    {
        foreach (var addon in chain.Addons.Where(a => a.Loader is not null && a.Entry.Watch))
        {
            var entry = addon.Entry;
            var watcherLogger = loggerFactory.CreateLogger<PluginWatcher>();
            Func<CancellationToken, Task> reload = ct => ReloadAsync(entry, ct);
            var watcher = entry.Argument is { IsProject: true } project
                ? PluginWatcher.ForProject(entry.Id, project.FullPath, _watch.QuietPeriod, reload, watcherLogger)
                : PluginWatcher.ForAssembly(entry.Id, addon.AssemblyPath, _watch.QuietPeriod, reload, watcherLogger);
            lock (_watchers)
            {
                _watchers.Add(watcher);
            }

            LogWatching(logger, entry.Id, watcher.Watched);
        }
    }

    private async Task StopWatchersAsync()
    {
        PluginWatcher[] watchers;
        lock (_watchers)
        {
            watchers = [.. _watchers];
            _watchers.Clear();
        }

        foreach (var watcher in watchers)
        {
            await watcher.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string Seconds(TimeSpan duration) => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###}s");

    /// <summary>An addon's commands, options and flow file formats, out of the registries while a new build loads.</summary>
    private sealed record Detached(string Owner, IReadOnlyList<RegisteredCommand> Commands, IReadOnlyList<OptionEntry> Options, IReadOnlyList<IFlowFileFormat> Formats, IReadOnlyList<AddonHealthChecks.Registered> HealthChecks);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Reloaded plugin '{PluginId}' ({Version})")]
    private static partial void LogReloaded(ILogger logger, string pluginId, string version);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Reload of plugin '{PluginId}' failed; the loaded build keeps running: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string pluginId, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "{Reason}")]
    private static partial void LogGone(ILogger logger, string reason);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "Watching plugin '{PluginId}' ({Watched}): a new build reloads it")]
    private static partial void LogWatching(ILogger logger, string pluginId, string watched);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Addon '{Addon}' did not finish 'done' within {Timeout} (Watch:HookTimeout); its reload goes on")]
    private static partial void LogDoneTimedOut(ILogger logger, string addon, string timeout);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Plugin '{PluginId}': option '{Option}' was set to \"{Value}\" at run time, but the new build has no such option or does not take that value; it starts from its own")]
    private static partial void LogValueNotCarried(ILogger logger, string pluginId, string option, string value);
}
