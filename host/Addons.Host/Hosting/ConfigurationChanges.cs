using Addons.Abstractions.Options;
using Addons.Host.Chain;
using Addons.Host.Configuration;
using Addons.Host.Loading;
using Addons.Host.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Addons.Host.Hosting;

/// <summary>
/// Applies what changes in the configuration while the host runs (plugins.json saved, an application's appsettings
/// reloaded): changed option values go through <c>configure</c> as a runtime change does, rolled back together if an
/// addon refuses; a changed plugin set is only reported, because plugins load at start (a watched plugin reloads when its
/// build changes, not its entry). Values given with <c>--set</c> win over the file and are left alone.
/// </summary>
internal sealed partial class ConfigurationChanges : IDisposable
{
    private readonly AddonProxySettings _settings;
    private readonly IReadOnlyList<PluginEntry> _entries;
    private readonly AddonChain _chain;
    private readonly OptionStore _options;
    private readonly TimeSpan _quietPeriod;
    private readonly ILogger _logger;
    private readonly IDisposable _subscription;
    private readonly SemaphoreSlim _applying = new(1, 1);
    private Dictionary<string, string> _applied;
    private int _version;
    private bool _disposed;

    public ConfigurationChanges(AddonProxySettings settings, IReadOnlyList<PluginEntry> entries, AddonChain chain, OptionStore options, TimeSpan quietPeriod, ILogger logger)
    {
        _settings = settings;
        _entries = entries;
        _chain = chain;
        _options = options;
        _quietPeriod = quietPeriod;
        _logger = logger;
        _applied = ConfiguredValues(out _);
        _subscription = ChangeToken.OnChange(settings.Configuration.GetReloadToken, OnChange);
    }

    /// <summary>Completes when a change has been dealt with (for tests): applied, refused or reported.</summary>
    internal event Action? Handled;

    public void Dispose()
    {
        _disposed = true;
        _subscription.Dispose();
    }

    /// <summary>Editors save a file in several writes and the watcher reports each: act once they have settled.</summary>
    private void OnChange()
    {
        var version = Interlocked.Increment(ref _version);
        _ = Task.Delay(_quietPeriod).ContinueWith(_ => version == Volatile.Read(ref _version) ? ApplyAsync() : Task.CompletedTask, TaskScheduler.Default).Unwrap();
    }

    internal async Task ApplyAsync()
    {
        await _applying.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_disposed)
            {
                await ApplyCoreAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogFailed(_logger, _settings.Source, ex.Message, ex);
        }
        finally
        {
            _applying.Release();
            Handled?.Invoke();
        }
    }

    private async Task ApplyCoreAsync()
    {
        // A malformed plugins.json reads as empty: say where it is wrong, and keep running as before.
        if (File.Exists(_settings.Source))
        {
            try
            {
                PluginsFile.Check(_settings.Source, await File.ReadAllBytesAsync(_settings.Source).ConfigureAwait(false));
            }
            catch (AddonHostException ex)
            {
                LogNotApplied(_logger, ex.Message);
                return;
            }
        }

        IReadOnlyList<PluginEntry> entries;
        try
        {
            entries = PluginEntryReader.Read(_settings);
        }
        catch (AddonHostException ex)
        {
            LogNotApplied(_logger, string.Join(" ", ex.Errors.Count > 0 ? ex.Errors : [ex.Message]));
            return;
        }

        if (PluginSetChanges(entries) is { Count: > 0 } changes)
        {
            LogPluginSetChanged(_logger, _settings.Source, string.Join("; ", changes));
        }

        var values = ConfiguredValues(out var errors);
        if (errors.Count > 0)
        {
            LogNotApplied(_logger, string.Join(" ", errors));
            return;
        }

        var changed = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, text) in values)
        {
            if (!_applied.TryGetValue(name, out var before) || before != text)
            {
                changed[name] = Read(name);
            }
        }

        // An option taken out of the file goes back to its default.
        foreach (var name in _applied.Keys.Where(n => !values.ContainsKey(n) && _options.Find(n) is not null))
        {
            changed[name] = _options.Find(name)!.DefaultValue;
        }

        if (changed.Count == 0)
        {
            return;
        }

        var shown = string.Join(", ", changed.Keys.Order(StringComparer.Ordinal).Select(n => $"{n}={OptionValues.Format(changed[n])}"));
        try
        {
            await _options.UpdateAsync(changed).ConfigureAwait(false);
            _applied = values;
            LogApplied(_logger, _settings.Source, shown);
        }
        catch (OptionsException ex)
        {
            LogRefused(_logger, _settings.Source, shown, ex.Message);
        }
    }

    /// <summary>Each addon's configured option values as text, but those <c>--set</c> gives; unknown names are errors.</summary>
    private Dictionary<string, string> ConfiguredValues(out List<string> errors)
    {
        errors = [];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var fromCommandLine = _settings.Sets.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var addon in _chain.Addons)
        {
            foreach (var setting in addon.Entry.Options.GetChildren())
            {
                var name = setting.Key.ToLowerInvariant();
                if (_options.Find(name) is not OptionEntry option || option.Owner != addon.Name)
                {
                    errors.Add($"{_settings.Describe(setting.Path)}: {setting.Path} is not an option of addon '{addon.Name}'.");
                }
                else if (!fromCommandLine.Contains(name))
                {
                    values[name] = Text(setting);
                }
            }
        }

        return values;
    }

    /// <summary>The value of option <paramref name="name"/> as its addon's section now gives it.</summary>
    private object? Read(string name)
    {
        var option = (OptionEntry)_options.Find(name)!;
        var addon = _chain.Find(option.Owner)!;
        var setting = addon.Entry.Options.GetChildren().First(c => c.Key.Equals(name, StringComparison.OrdinalIgnoreCase));
        return OptionValues.TryRead(option.ValueType, setting, out var raw) ? raw : setting.Value;
    }

    private static string Text(IConfigurationSection setting) =>
        setting.Value ?? string.Join("\u0001", setting.GetChildren().Select(c => c.Path + "=" + Text(c)));

    private List<string> PluginSetChanges(IReadOnlyList<PluginEntry> entries)
    {
        var changes = new List<string>();
        foreach (var entry in entries)
        {
            var before = _entries.FirstOrDefault(e => e.Id.Equals(entry.Id, StringComparison.OrdinalIgnoreCase));
            if (before is null)
            {
                changes.Add($"'{entry.Id}' was added");
            }
            else if (Differences(before, entry) is { Length: > 0 } what)
            {
                changes.Add($"'{entry.Id}' changed its {what}");
            }
        }

        changes.AddRange(_entries.Where(b => !entries.Any(e => e.Id.Equals(b.Id, StringComparison.OrdinalIgnoreCase))).Select(b => $"'{b.Id}' was removed"));
        return changes;
    }

    private static string Differences(PluginEntry before, PluginEntry now)
    {
        var what = new List<string>();
        if (before.ConfiguredPath != now.ConfiguredPath)
        {
            what.Add("Path");
        }

        if (before.Enabled != now.Enabled)
        {
            what.Add("Enabled");
        }

        if (before.Order != now.Order)
        {
            what.Add("Order");
        }

        if (before.Required != now.Required)
        {
            what.Add("Required");
        }

        if (!before.Shares.SequenceEqual(now.Shares, StringComparer.OrdinalIgnoreCase))
        {
            what.Add("Shares");
        }

        return string.Join(", ", what);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "{Source} changed: {Values} applied")]
    private static partial void LogApplied(ILogger logger, string source, string values);

    [LoggerMessage(EventId = 31, Level = LogLevel.Error, Message = "{Source} changed {Values}, but: {Reason}")]
    private static partial void LogRefused(ILogger logger, string source, string values, string reason);

    [LoggerMessage(EventId = 32, Level = LogLevel.Error, Message = "{Reason} The change is not applied; the host runs on as it was.")]
    private static partial void LogNotApplied(ILogger logger, string reason);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "{Source} changed the plugin set ({Changes}); plugins load at start, so restart the host to apply that (a watched plugin reloads when its build changes, not when its entry does)")]
    private static partial void LogPluginSetChanged(ILogger logger, string source, string changes);

    [LoggerMessage(EventId = 34, Level = LogLevel.Error, Message = "Applying a change of {Source} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string source, string reason, Exception exception);
}
