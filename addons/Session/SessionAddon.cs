using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Events;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Abstractions.Storage;
using Addons.Abstractions.View;
using Addons.Session.Fleet;
using Addons.Session.Storage;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Addons.Session.SessionAddon))]

namespace Addons.Session;

/// <summary>
/// Persists flows as protobuf in a SQLite session file through a batched background writer, and restores them into
/// the View on start. Without <c>session_path</c> the session is a temporary file, removed on exit unless saved
/// elsewhere with <c>session.save</c>. With <c>session_postgres</c>, flows go to a fleet store shared by many hosts
/// instead (see SessionAddon.Fleet.cs).
/// </summary>
public sealed partial class SessionAddon : Addon
{
    private const int RestoreChunk = 10_000;

    /// <summary>Cold flows' summaries handed to the View at a time on restore (a segment's worth).</summary>
    private const int ColdRestoreChunk = 65_536;
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private IEventBus? _bus;
    private IOption<string> _path = null!;
    private IOption<bool> _required = null!;
    private IOption<int> _batchSize = null!;
    private IOption<int> _flushMilliseconds = null!;
    private IOption<int> _queueCapacity = null!;
    private IOption<int> _hotFlows = null!;
    private SessionWriter? _writer;
    private string? _notPersisting;
    private SessionArchive? _archive;
    private SessionMetrics? _metrics;
    private HotFlows _hot = new(0);
    private string? _temporaryPath;
    private int _unstoredTypes;
    private ICommandRegistry? _commands;
    private readonly Dictionary<string, (ReadOnlySessionArchive Archive, int Flows)> _opened = new(StringComparer.Ordinal);

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
        _commands = loader.Commands;
        _metrics = new SessionMetrics(this, () => _writer);
        _path = loader.AddOption("session_path", "", "The session file flows are kept in and restored from; empty: a temporary file removed on exit.");
        _required = loader.AddOption("session_required", false, "Refuse to start when the session file cannot be used, instead of running without persistence.");
        _batchSize = loader.AddOption("session_batch_size", SessionWriterOptions.DefaultBatchSize, "The most flows the session writes in one transaction.");
        _flushMilliseconds = loader.AddOption("session_flush_ms", 200, "The longest a captured flow waits before it is written, in milliseconds: about what a crash can lose.");
        _queueCapacity = loader.AddOption("session_queue_size", SessionWriterOptions.DefaultQueueCapacity, "How many flows may wait to be written; when the queue is full the proxy waits for the writer.");
        _hotFlows = loader.AddOption("session_hot_flows", 100_000, "How many stored flows stay fully in memory; older ones stay in the View as summaries and load from the session file when needed. 0 keeps every flow in memory.");

        loader.Bus.Subscribe<FlowSettingChanged>(KeepSetting);
        loader.AddHealthCheck("writable", _ => ValueTask.FromResult(SessionHealth.Of(_writer, _queueCapacity.Value, _notPersisting, FleetDown())));

        // Session files as flow files for -r, -w and view.flows.load; a host older than contract 1.3 goes without.
        try
        {
            loader.FlowFiles.AddFormat(new SessionFileFormat(() => FilePath));
            loader.FlowFiles.AddFormat(new FleetFlowFormat(loader.Filters));
        }
        catch (NotSupportedException e)
        {
            LogNoFlowFiles(_logger, e.Message);
        }

        // Commands change flows in the View (flow.mark, ...) without an update hook: the View's message says so. Its
        // messages about live flows follow the proxy's hooks, which the session handles itself.
        loader.Bus.Subscribe<ViewFlowUpdated>(updated =>
        {
            if (updated.Flow.Live)
            {
                return;
            }

            var enqueue = Enqueue(updated.Flow, CancellationToken.None);
            if (!enqueue.IsCompletedSuccessfully)
            {
                enqueue.AsTask().GetAwaiter().GetResult();
            }
        });

        loader.AddCommand("session.save", (string path, CancellationToken ct) => SaveAsync(path, ct), "Write a copy of the session, every flow captured so far included, to a new file.");
        loader.AddCommand("session.clear", (CancellationToken ct) => ClearAsync(ct), "Remove every flow from the session file (the View keeps showing them).");
        loader.AddCommand("session.stats", () => Stats(), "The session file, its flows and bytes, the writer's queue depth and last flush.");
        loader.AddCommand("session.open", (string path) => OpenReadOnly(path),
            "Open another session file read-only: its flows join the View as cold flows, loaded from that file when needed; nothing is ever written to it.");
        LoadFleet(loader);
    }

    /// <inheritdoc />
    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (_batchSize.Value < 1 || _flushMilliseconds.Value < 1 || _queueCapacity.Value < 1)
        {
            context.Reject($"session_batch_size, session_flush_ms and session_queue_size must be at least 1 (got {_batchSize.Value}, {_flushMilliseconds.Value}, {_queueCapacity.Value}).");
            return default;
        }

        if (_hotFlows.Value < 0)
        {
            context.Reject($"session_hot_flows must be 0 (every flow in memory) or more (got {_hotFlows.Value}).");
            return default;
        }

        if (CheckFleetOptions(context) is { } fleetProblem)
        {
            context.Reject(fleetProblem);
            return default;
        }

        if (!context.IsInitial)
        {
            if (context.Updated.Overlaps(["session_path", "session_batch_size", "session_flush_ms", "session_queue_size", "session_hot_flows"]))
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

            _notPersisting = e.Message;
            LogNoPersistence(_logger, e.Message);
            return default;
        }

        if (!OpenFleet(context))
        {
            store.Dispose();
            return default;
        }

        _hot = new HotFlows(_hotFlows.Value);
        var fleetTarget = _fleet is { } fleet ? StartFleet(fleet, store) : null;
        _writer = new SessionWriter(
            store,
            new SessionWriterOptions
            {
                BatchSize = _batchSize.Value,
                FlushPeriod = TimeSpan.FromMilliseconds(_flushMilliseconds.Value),
                QueueCapacity = _queueCapacity.Value,
            },
            persisted =>
            {
                _metrics?.Committed(persisted);
                _bus?.Publish(persisted);
            },
            _logger,
            _hot.Capacity > 0 ? Cool : null,
            fleetTarget);
        if (fleetTarget is not null)
        {
            // The View starts empty: this host's earlier flows are in the fleet store (session.fleet.open), and those
            // left in the spill file are replayed into it.
            StartCatchUp(_writer, _fleet!, fleetTarget);
            return default;
        }

        _archive = new SessionArchive(_writer, store.Path);
        long restored, cold;
        try
        {
            (restored, cold) = Restore(store);
        }
        catch (SessionStoreException e)
        {
            // A damaged row stops the restore where it is, not the session: the file still takes new flows.
            LogRestoreStopped(_logger, e.Message);
            return default;
        }

        if (cold == 0)
        {
            LogOpened(_logger, store.Path, restored);
        }
        else
        {
            LogOpenedCold(_logger, store.Path, restored, cold, _hot.Capacity);
        }

        return default;
    }

    /// <inheritdoc />
    public override ValueTask ResponseAsync(HttpFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    /// <inheritdoc />
    public override ValueTask ErrorAsync(HttpFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    /// <inheritdoc />
    public override ValueTask WebSocketEndAsync(HttpFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    // TCP, UDP and DNS flows complete here too. The schema does not keep them yet: queuing them says so (once for each
    // type) and counts them as not saved, rather than letting them pass unnoticed.

    /// <inheritdoc />
    public override ValueTask TcpEndAsync(TcpFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    /// <inheritdoc />
    public override ValueTask TcpErrorAsync(TcpFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    /// <inheritdoc />
    public override ValueTask UdpEndAsync(UdpFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    /// <inheritdoc />
    public override ValueTask UdpErrorAsync(UdpFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    /// <inheritdoc />
    public override ValueTask DnsResponseAsync(DnsFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    /// <inheritdoc />
    public override ValueTask DnsErrorAsync(DnsFlowContext context) => Enqueue(context.Flow, context.CancellationToken);

    /// <summary>
    /// A flow changed outside the proxy's exchange (a command, a replay, another addon): stored again. The proxy also
    /// fires update after each of its hooks, for a flow still live; such a flow is stored when it completes (response,
    /// error, end of its WebSocket), not at each step.
    /// </summary>
    public override async ValueTask UpdateAsync(UpdateContext context)
    {
        foreach (var flow in context.Flows)
        {
            if (!flow.Live)
            {
                await Enqueue(flow, context.CancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public override async ValueTask DoneAsync(LifecycleContext context)
    {
        try
        {
            await CloseAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_opened)
            {
                foreach (var (archive, _) in _opened.Values)
                {
                    archive.Dispose();
                }

                _opened.Clear();
            }

            // After the last batch, which the meter counts; a meter left behind would keep a reloaded build loaded.
            _metrics?.Dispose();
            _metrics = null;
        }
    }

    /// <summary>Writes every queued flow, closes the file and removes it if it was temporary.</summary>
    private async Task CloseAsync()
    {
        if (_writer is not { } writer)
        {
            return;
        }

        // Every queued flow is written before done returns.
        await StopCatchUpAsync().ConfigureAwait(false);
        await writer.DisposeAsync().ConfigureAwait(false);

        // Flows that did not reach the fleet store: spilled, or all of them when it could not be opened at start.
        var spilled = _fleetTarget?.Spilled ?? (_postgres.Value.Length > 0 ? writer.WithStore(store => store.Count()) : 0);
        CloseFleet();
        _archive?.Close();
        var path = writer.WithStore(store =>
        {
            store.Dispose();
            return store.Path;
        });
        LogClosed(_logger, path, writer.Written, writer.Lost);
        _writer = null;
        if (_temporaryPath is not null && spilled > 0)
        {
            LogSpillKept(_logger, spilled, _temporaryPath);
        }
        else if (_temporaryPath is not null)
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

    private ValueTask Enqueue(Flow flow, CancellationToken cancellationToken)
    {
        if (_writer is not { } writer)
        {
            return default;
        }

        if (flow is not HttpFlow && Interlocked.Or(ref _unstoredTypes, 1 << (int)flow.Type) is var seen && (seen & (1 << (int)flow.Type)) == 0)
        {
            // The schema has HTTP flows only: the writer counts the others as not saved; say so once for each type.
            LogTypeNotStored(_logger, flow.Type.ToString().ToUpperInvariant(), flow.Id, writer.WithStore(store => store.Path));
        }

        return writer.EnqueueAsync(flow, cancellationToken);
    }

    /// <summary>After a batch (on the writer's thread): with more flows in memory than the cap, the oldest written ones may go.</summary>
    private void Cool(IReadOnlyList<FlowSummary> written)
    {
        foreach (var summary in written)
        {
            _hot.Written(summary);
        }

        var overflow = _hot.TakeOverflow(_writer!.IsWaiting);
        if (overflow.Count > 0)
        {
            _bus?.Publish(new FlowsArchived { Archive = (IFlowArchive?)_fleetArchive ?? _archive!, Flows = overflow });
        }
    }

    /// <summary>
    /// Publishes the stored flows, in order, with their settings, for the View: with a cap on the flows in memory, the
    /// oldest as summaries (cold) and the newest whole. Returns how many flows, and how many of them cold.
    /// </summary>
    private (long Restored, long Cold) Restore(SessionStore store)
    {
        var stored = store.ReadSettingsByFlow();
        var settings = stored.Count == 0 ? null : stored;
        long cold = 0;
        if (_hot.Capacity > 0 && store.Count() - _hot.Capacity is > 0 and var over)
        {
            // In chunks, as the hot flows below: the View takes each as it comes, so that restoring holds one chunk of
            // summaries at a time beside what the View keeps, not every cold flow's summary at once.
            foreach (var summaries in store.ReadSummaries(over).Chunk(ColdRestoreChunk))
            {
                _bus?.Publish(new FlowsLoaded { Flows = [], Settings = settings, Archive = _archive, ColdFlows = summaries });
                cold += summaries.Length;
            }

            _hot.Archived += cold;
        }

        long count = 0;
        foreach (var flows in store.ReadAll(skip: cold).Chunk(RestoreChunk))
        {
            foreach (var flow in flows)
            {
                _hot.Written(FlowSummary.Of(flow));
            }

            _bus?.Publish(new FlowsLoaded { Flows = flows, Settings = settings });
            count += flows.Length;
        }

        return (cold + count, cold);
    }

    private async Task SaveAsync(string path, CancellationToken cancellationToken)
    {
        var writer = _writer ?? throw new CommandException("The session does not persist (see the log for why), so there is nothing to save.");
        if (_fleet is { } fleet)
        {
            throw new CommandException($"This host writes its flows to the fleet store ({fleet.Name}), not to a session file: save flows from the View with save.file instead.");
        }

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
        if (_fleet is { } fleet)
        {
            throw new CommandException($"This host writes its flows to the fleet store ({fleet.Name}), shared with other hosts, so session.clear left it as it is; session.fleet.drop drops old days.");
        }

        if (_hot.Archived > 0)
        {
            throw new CommandException(
                $"The View keeps flows that are only in session file {writer.WithStore(store => store.Path)} (session_hot_flows is {_hot.Capacity}); clearing it would lose them, so it was left as it is.");
        }

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

    /// <summary>
    /// session.open: the file's flows go to the View as summaries with the file as their archive, as a restore with a
    /// cap sends its oldest flows. A file opened before is read again (after view.clear, its flows come back).
    /// </summary>
    private string OpenReadOnly(string path)
    {
        if (_commands?.Find("view.flows.resolve") is null)
        {
            throw new CommandException("No View addon is loaded to show the flows of another session file, so none was opened.");
        }

        var full = Path.GetFullPath(path);
        if (FilePath is { } own && string.Equals(Path.GetFullPath(own), full, StringComparison.Ordinal))
        {
            throw new CommandException($"Session file {full} is the session this host keeps (session_path), so its flows are in the View already.");
        }

        lock (_opened)
        {
            var archive = _opened.TryGetValue(full, out var known) ? known.Archive : null;
            try
            {
                archive ??= ReadOnlySessionArchive.Open(full);
                var (summaries, settings) = archive.ReadIndex();
                _opened[full] = (archive, summaries.Count);
                if (summaries.Count > 0)
                {
                    _bus?.Publish(new FlowsLoaded { Flows = [], Settings = settings.Count == 0 ? null : settings, Archive = archive, ColdFlows = summaries });
                }

                LogOpenedReadOnly(_logger, full, summaries.Count);
                return summaries.Count == 0
                    ? $"Session file {full} holds no flows."
                    : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Opened {full} read-only: {summaries.Count:N0} flows join the view, loaded from that file when needed.");
            }
            catch (SessionStoreException e)
            {
                if (!_opened.ContainsKey(full))
                {
                    archive?.Dispose();
                }

                throw new CommandException(e.Message, e);
            }
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
        var cold = _hot.Capacity > 0 ? $"; handed to the View as summaries {_hot.Archived} (session_hot_flows {_hot.Capacity})" : "";
        string opened;
        lock (_opened)
        {
            opened = _opened.Count == 0 ? "" : "; opened read-only: " + string.Join(", ", _opened.Select(o => $"{o.Key} ({o.Value.Flows} flows)"));
        }

        return $"{path}: {stats.Flows} flows, {stats.TotalBytes} bytes; queue depth {writer.QueueDepth}; written {writer.Written}, not saved {writer.Lost}; last flush {lastFlush}{cold}{failure}{opened}{FleetStats()}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session file {Path} does not keep {Type} flows (its schema has HTTP flows only), so flow {Id} and the {Type} flows after it are not saved; session.stats counts them as not saved")]
    private static partial void LogTypeNotStored(ILogger logger, string type, Guid id, string path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session files cannot be read or written as flow files here: {Reason}")]
    private static partial void LogNoFlowFiles(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason} The flows read before it are in the View; the rest stay in the file, and new flows are still written to it.")]
    private static partial void LogRestoreStopped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session file {Path}: {Count} flows restored")]
    private static partial void LogOpened(ILogger logger, string path, long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session file {Path}: {Count} flows restored, {Cold} of them as summaries that load from the file when needed (session_hot_flows {Hot})")]
    private static partial void LogOpenedCold(ILogger logger, string path, long count, long cold, int hot);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason} The host runs without persisting flows (set session_required to refuse to start instead).")]
    private static partial void LogNoPersistence(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Setting {Key} of flow {FlowId} was not saved: {Reason}")]
    private static partial void LogSettingLost(ILogger logger, string key, Guid flowId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session file {Path} opened read-only: {Count} flows sent to the View")]
    private static partial void LogOpenedReadOnly(ILogger logger, string path, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} flows did not reach the fleet store; they are kept in {Path}: start the host with session_path set to that file to replay them")]
    private static partial void LogSpillKept(ILogger logger, long count, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session file {Path} closed: {Written} flows written, {Lost} not saved")]
    private static partial void LogClosed(ILogger logger, string path, long written, long lost);
}
