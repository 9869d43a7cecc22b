using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Events;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Abstractions.Storage;
using Addons.Abstractions.View;
using Addons.Session.Storage;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Addons.Session.SessionAddon))]

namespace Addons.Session;

/// <summary>
/// Persists flows as protobuf in a SQLite session file through a batched background writer, and restores them into
/// the View on start. Without <c>session_path</c> the session is a temporary file, removed on exit unless saved
/// elsewhere with <c>session.save</c>.
/// </summary>
public sealed partial class SessionAddon : Addon
{
    private const int RestoreChunk = 10_000;
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private IEventBus? _bus;
    private IOption<string> _path = null!;
    private IOption<bool> _required = null!;
    private IOption<int> _batchSize = null!;
    private IOption<int> _flushMilliseconds = null!;
    private IOption<int> _queueCapacity = null!;
    private SessionWriter? _writer;
    private string? _temporaryPath;

    /// <inheritdoc />
    public override string Name => "session";

    /// <summary>The open session file, or null when the session does not persist.</summary>
    internal string? FilePath => _writer?.WithStore(store => store.Path);

    internal SessionWriter? Writer => _writer;

    /// <inheritdoc />
    public override void Load(IAddonLoader loader)
    {
        _logger = loader.Logger;
        _bus = loader.Bus;
        _path = loader.AddOption("session_path", "", "The session file flows are kept in and restored from; empty: a temporary file removed on exit.");
        _required = loader.AddOption("session_required", false, "Refuse to start when the session file cannot be used, instead of running without persistence.");
        _batchSize = loader.AddOption("session_batch_size", 10_000, "The most flows the session writes in one transaction.");
        _flushMilliseconds = loader.AddOption("session_flush_ms", 200, "The longest a captured flow waits before it is written, in milliseconds: about what a crash can lose.");
        _queueCapacity = loader.AddOption("session_queue_size", 100_000, "How many flows may wait to be written; when the queue is full the proxy waits for the writer.");

        loader.Bus.Subscribe<FlowSettingChanged>(KeepSetting);

        // Commands change flows in the View (flow.mark, ...) without an update hook: the View's message says so.
        loader.Bus.Subscribe<ViewFlowUpdated>(updated =>
        {
            var enqueue = Enqueue(updated.Flow, CancellationToken.None);
            if (!enqueue.IsCompletedSuccessfully)
            {
                enqueue.AsTask().GetAwaiter().GetResult();
            }
        });

        loader.AddCommand("session.save", (string path, CancellationToken ct) => SaveAsync(path, ct), "Write a copy of the session, every flow captured so far included, to a new file.");
        loader.AddCommand("session.clear", (CancellationToken ct) => ClearAsync(ct), "Remove every flow from the session file (the View keeps showing them).");
        loader.AddCommand("session.stats", () => Stats(), "The session file, its flows and bytes, the writer's queue depth and last flush.");
    }

    /// <inheritdoc />
    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (_batchSize.Value < 1 || _flushMilliseconds.Value < 1 || _queueCapacity.Value < 1)
        {
            context.Reject($"session_batch_size, session_flush_ms and session_queue_size must be at least 1 (got {_batchSize.Value}, {_flushMilliseconds.Value}, {_queueCapacity.Value}).");
            return default;
        }

        if (!context.IsInitial)
        {
            if (context.Updated.Overlaps(["session_path", "session_batch_size", "session_flush_ms", "session_queue_size"]))
            {
                context.Reject("The session options take effect at start; restart the host to change them.");
            }

            return default;
        }

        // Opened and restored at the first configure, before the proxy starts listening: restored flows come first.
        var path = _path.Value;
        if (path.Length == 0)
        {
            _temporaryPath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"addons-session-{Environment.ProcessId}-{Guid.NewGuid():N}.sqlite");
            path = _temporaryPath;
        }

        SessionStore store;
        try
        {
            store = SessionStore.Open(path);
        }
        catch (SessionStoreException e)
        {
            if (_required.Value)
            {
                context.Reject($"session_path: {e.Message}");
                return default;
            }

            LogNoPersistence(_logger, e.Message);
            return default;
        }

        var restored = Restore(store);
        _writer = new SessionWriter(
            store,
            new SessionWriterOptions
            {
                BatchSize = _batchSize.Value,
                FlushPeriod = TimeSpan.FromMilliseconds(_flushMilliseconds.Value),
                QueueCapacity = _queueCapacity.Value,
            },
            persisted => _bus?.Publish(persisted),
            _logger);
        LogOpened(_logger, store.Path, restored);
        return default;
    }

    /// <inheritdoc />
    public override ValueTask ResponseAsync(HttpFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    /// <inheritdoc />
    public override ValueTask ErrorAsync(HttpFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    /// <inheritdoc />
    public override async ValueTask UpdateAsync(UpdateContext context)
    {
        foreach (var flow in context.Flows)
        {
            await Enqueue(flow, context.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override async ValueTask DoneAsync(LifecycleContext context)
    {
        if (_writer is not { } writer)
        {
            return;
        }

        // Every queued flow is written before done returns.
        await writer.DisposeAsync().ConfigureAwait(false);
        var path = writer.WithStore(store =>
        {
            store.Dispose();
            return store.Path;
        });
        LogClosed(_logger, path, writer.Written, writer.Lost);
        _writer = null;
        if (_temporaryPath is not null)
        {
            foreach (var file in new[] { _temporaryPath, _temporaryPath + "-wal", _temporaryPath + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>A per-flow setting changed in the View: kept in the file beside the flow, for the next restore.</summary>
    private void KeepSetting(FlowSettingChanged changed)
    {
        if (_writer is not { Failure: null } writer)
        {
            return;
        }

        try
        {
            writer.WithStore(store =>
            {
                store.SetSetting(changed.Flow.Id, changed.Key, changed.Value);
                return 0;
            });
        }
        catch (SessionStoreException e)
        {
            LogSettingLost(_logger, changed.Key, changed.Flow.Id, e.Message);
        }
    }

    private ValueTask Enqueue(Flow flow, CancellationToken cancellationToken) =>
        _writer is { } writer ? writer.EnqueueAsync(flow, cancellationToken) : default;

    /// <summary>Publishes the stored flows, in order, with their settings, for the View; returns how many.</summary>
    private int Restore(SessionStore store)
    {
        var settings = new Dictionary<Guid, IReadOnlyDictionary<string, string>>();
        foreach (var setting in store.ReadSettings())
        {
            if (!settings.TryGetValue(setting.FlowId, out var values))
            {
                settings[setting.FlowId] = values = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            ((Dictionary<string, string>)values)[setting.Key] = setting.Value;
        }

        var count = 0;
        var chunk = new List<Flow>(RestoreChunk);
        foreach (var flow in store.ReadAll())
        {
            chunk.Add(flow);
            if (chunk.Count == RestoreChunk)
            {
                count += Publish(chunk, settings);
                chunk = new List<Flow>(RestoreChunk);
            }
        }

        return count + Publish(chunk, settings);
    }

    private int Publish(List<Flow> flows, Dictionary<Guid, IReadOnlyDictionary<string, string>> settings)
    {
        if (flows.Count > 0)
        {
            _bus?.Publish(new FlowsLoaded(flows, settings.Count == 0 ? null : settings));
        }

        return flows.Count;
    }

    private async Task SaveAsync(string path, CancellationToken cancellationToken)
    {
        var writer = _writer ?? throw new CommandException("The session does not persist (see the log for why), so there is nothing to save.");
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            writer.WithStore(store =>
            {
                store.SaveCopy(path);
                return 0;
            });
        }
        catch (SessionStoreException e)
        {
            throw new CommandException(e.Message, e);
        }
    }

    private async Task ClearAsync(CancellationToken cancellationToken)
    {
        var writer = _writer ?? throw new CommandException("The session does not persist (see the log for why), so there is nothing to clear.");
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            writer.WithStore(store =>
            {
                store.Clear();
                return 0;
            });
        }
        catch (SessionStoreException e)
        {
            throw new CommandException(e.Message, e);
        }
    }

    private string Stats()
    {
        if (_writer is not { } writer)
        {
            return "The session does not persist flows (see the log for why).";
        }

        var (path, stats) = writer.WithStore(store => (store.Path, store.Stats()));
        var lastFlush = writer.LastFlush is { } at ? at.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : "never";
        var failure = writer.Failure is { } reason ? $"; writing stopped: {reason}" : "";
        return $"{path}: {stats.Flows} flows, {stats.TotalBytes} bytes; queue depth {writer.QueueDepth}; written {writer.Written}, not saved {writer.Lost}; last flush {lastFlush}{failure}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Session file {Path}: {Count} flows restored")]
    private static partial void LogOpened(ILogger logger, string path, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason} The host runs without persisting flows (set session_required to refuse to start instead).")]
    private static partial void LogNoPersistence(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Setting {Key} of flow {FlowId} was not saved: {Reason}")]
    private static partial void LogSettingLost(ILogger logger, string key, Guid flowId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session file {Path} closed: {Written} flows written, {Lost} not saved")]
    private static partial void LogClosed(ILogger logger, string path, long written, long lost);
}
