using System.Globalization;
using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Options;
using Addons.Abstractions.Storage;
using Addons.Abstractions.View;
using Addons.Session.Fleet;
using Addons.Session.Storage;
using Microsoft.Extensions.Logging;

namespace Addons.Session;

/// <summary>
/// The fleet store: with <c>session_postgres</c> set, flows go to PostgreSQL, shared by many hosts, tagged with
/// <c>session_host_id</c>; the session file becomes the spill file, which keeps what PostgreSQL cannot take while it is
/// down and is replayed into it when it is back (also at the next start). <c>session.fleet.open</c> brings the fleet's
/// flows into the View as cold flows.
/// </summary>
public sealed partial class SessionAddon
{
    private IOption<string> _postgres = null!;
    private IOption<string> _hostId = null!;
    private IOption<int> _retryMilliseconds = null!;
    private IOption<int> _fleetLimit = null!;
    private IFlowFilters? _filters;
    private FleetStore? _fleet;
    private FleetTarget? _fleetTarget;
    private FleetArchive? _fleetArchive;
    private Timer? _catchUp;
    private int _catchingUp;
    private volatile bool _fleetClosing;
    private volatile bool _replayStopped;

    private static readonly TimeSpan ReplayPause = TimeSpan.FromMilliseconds(5);

    private static readonly string[] FleetOptions = ["session_postgres", "session_host_id", "session_postgres_retry_ms"];

    private void LoadFleet(IAddonLoader loader)
    {
        _filters = loader.Filters;
        _postgres = loader.AddOption("session_postgres", "",
            "A PostgreSQL connection string (Host=...;Database=...;Username=...): flows go to this fleet store, shared by many hosts, and the session file only keeps what it cannot take while it is down (replayed when it is back). Keep the password in PGPASSWORD or a .pgpass file.");
        _hostId = loader.AddOption("session_host_id", Environment.MachineName,
            "The id this host's flows carry in the fleet store; every host writing to one store needs its own.");
        _retryMilliseconds = loader.AddOption("session_postgres_retry_ms", 5_000,
            "How often, in milliseconds, the session tries the fleet store again while it is down.");
        _fleetLimit = loader.AddOption("session_fleet_limit", 1_000_000,
            "The most flows session.fleet.open brings into the View at once.");

        loader.AddCommand("session.fleet.open", (string filter = "", string since = "", string until = "", string hosts = "", CancellationToken ct = default) => OpenFleet(filter, since, until, hosts, ct),
            "Bring the fleet store's flows into the View as cold flows: those matching the filter (empty: all), created from since to until (ISO 8601 times, or empty), of the comma-separated host ids (empty: every host).");
        loader.AddCommand("session.fleet.drop", (string before) => DropFleet(before),
            "Drop the fleet store's flows of every host created before this date (yyyy-MM-dd, UTC), a day partition at a time.");
    }

    private string? CheckFleetOptions(ConfigureContext context)
    {
        if (_retryMilliseconds.Value < 1 || _fleetLimit.Value < 1)
        {
            return $"session_postgres_retry_ms and session_fleet_limit must be at least 1 (got {_retryMilliseconds.Value}, {_fleetLimit.Value}).";
        }

        return !context.IsInitial && context.Updated.Overlaps(FleetOptions)
            ? "The session options take effect at start; restart the host to change them."
            : null;
    }

    /// <summary>
    /// Opens the fleet store when <c>session_postgres</c> is set. Returns false when the host must refuse to start
    /// (the store cannot be opened and <c>session_required</c> is set); without the store, flows stay in the session file.
    /// </summary>
    private bool OpenFleet(ConfigureContext context)
    {
        if (_postgres.Value.Length == 0)
        {
            return true;
        }

        try
        {
            _fleet = FleetStore.Open(_postgres.Value, _hostId.Value);
            return true;
        }
        catch (FleetStoreException e)
        {
            if (_required.Value)
            {
                context.Reject($"session_postgres: {e.Message}");
                return false;
            }

            LogFleetUnavailable(_logger, e.Message);
            return true;
        }
    }

    /// <summary>The writer's target and the cold flows' archive once the fleet store is open, with the catch-up timer started.</summary>
    private FleetTarget StartFleet(FleetStore fleet, SessionStore spill)
    {
        _fleetTarget = new FleetTarget(fleet, spill, TimeSpan.FromMilliseconds(_retryMilliseconds.Value), _logger, TimeProvider.System);
        return _fleetTarget;
    }

    private void StartCatchUp(SessionWriter writer, FleetStore fleet, FleetTarget target)
    {
        _fleetArchive = new FleetArchive(fleet, new LocalSpill(writer, target));
        LogFleetOpened(_logger, fleet.Name, fleet.HostId, target.Spilled, target.SpillPath);
        var period = TimeSpan.FromMilliseconds(Math.Min(_retryMilliseconds.Value, 1_000));
        _catchUp = new Timer(_ => CatchUp(writer, target), null, TimeSpan.Zero, period);
    }

    /// <summary>Replays spilled flows a slice at a time, letting the writer's batches in between, while the store takes them.</summary>
    private void CatchUp(SessionWriter writer, FleetTarget target)
    {
        if (Interlocked.Exchange(ref _catchingUp, 1) == 1)
        {
            return;
        }

        try
        {
            while (!_fleetClosing && !_replayStopped && writer.Failure is null && writer.WithStore(_ => target.CatchUp()) && target.DownSince is null)
            {
                // The lock is not fair: a pause lets the writer's next batch in before the next slice.
                Thread.Sleep(ReplayPause);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // On a timer thread nothing may escape; the flows stay in the spill file for the next start.
            _replayStopped = true;
            LogReplayFailed(_logger, target.SpillPath, e.Message);
        }
        finally
        {
            Volatile.Write(ref _catchingUp, 0);
        }
    }

    /// <summary>Stops replaying (a replay under way stops after its slice), before the writer closes.</summary>
    private async Task StopCatchUpAsync()
    {
        _fleetClosing = true;
        if (_catchUp is { } timer)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
            _catchUp = null;
        }
    }

    private void CloseFleet()
    {
        _fleetArchive?.Close();
        _fleetTarget?.Dispose();
        _fleet?.Dispose();
    }

    /// <summary>For the health check: why the fleet store does not take writes now, or null while it does (or there is none).</summary>
    private string? FleetDown() => _fleetTarget is { DownSince: not null } target
        ? $"{target.Reason} Flows go to the spill file {target.SpillPath} ({target.Spilled} waiting) until it is back."
        : null;

    /// <summary>What session.stats adds about the fleet store.</summary>
    private string FleetStats()
    {
        if (_fleet is not { } fleet)
        {
            return _postgres.Value.Length == 0 ? "" : "; fleet store not open (see the log for why)";
        }

        if (_fleetTarget is not { } target)
        {
            return $"; fleet store {fleet.Name} as host {fleet.HostId}";
        }

        var down = target.DownSince is { } since
            ? string.Create(CultureInfo.InvariantCulture, $", down since {since:O}: {target.Reason}")
            : "";
        return $"; fleet store {fleet.Name} as host {fleet.HostId}: {target.Written} flows written, {target.Spilled} waiting in the spill file{down}";
    }

    private string OpenFleet(string filter, string since, string until, string hosts, CancellationToken cancellationToken)
    {
        var fleet = _fleet ?? throw new CommandException(_postgres.Value.Length == 0
            ? "No fleet store is configured (session_postgres), so there are no fleet flows to open."
            : "The fleet store could not be opened at start (see the log for why), so its flows cannot be opened.");
        if (_commands?.Find("view.flows.resolve") is null)
        {
            throw new CommandException("No View addon is loaded to show the fleet's flows, so none were opened.");
        }

        IFlowFilter? parsed = null;
        if (filter.Trim().Length > 0 && !_filters!.TryParse(filter, out parsed, out var error))
        {
            throw new CommandException($"The filter is not valid: {error.Message}");
        }

        var from = ParseTime(since, "since");
        var to = ParseTime(until, "until");
        var hostIds = hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        FleetSelection selection;
        try
        {
            selection = fleet.Reader.Select(parsed, FleetQuery.For(parsed?.Pattern, from, to, hostIds), _fleetLimit.Value, cancellationToken);
        }
        catch (FleetStoreException e)
        {
            throw new CommandException(e.Message, e);
        }

        foreach (var chunk in selection.Flows.Chunk(ColdRestoreChunk))
        {
            _bus?.Publish(new FlowsLoaded { Flows = [], Archive = _fleetArchive, ColdFlows = chunk });
        }

        var perHost = string.Join(", ", selection.Hosts.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Key} {h.Value:N0}")));
        var limited = selection.Truncated ? $"; more match than session_fleet_limit ({_fleetLimit.Value:N0}): narrow the filter or the time range to see the rest" : "";
        LogFleetFlowsOpened(_logger, fleet.Name, selection.Flows.Count, selection.Read, selection.Decoded);
        return selection.Flows.Count == 0
            ? $"No flow in the fleet store ({fleet.Name}) matches."
            : string.Create(CultureInfo.InvariantCulture, $"{selection.Flows.Count:N0} flows of the fleet store ({fleet.Name}) join the view, loaded from it when needed: {perHost}{limited}.");
    }

    private string DropFleet(string before)
    {
        var fleet = _fleet ?? throw new CommandException("No fleet store is open (session_postgres), so nothing was dropped.");
        if (!DateOnly.TryParseExact(before, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            throw new CommandException($"'{before}' is not a date as yyyy-MM-dd (UTC); nothing was dropped.");
        }

        if (day > DateOnly.FromDateTime(DateTime.UtcNow))
        {
            throw new CommandException($"{before} is after today (UTC): dropping today's flows would drop those the hosts are writing; nothing was dropped.");
        }

        try
        {
            var dropped = fleet.DropBefore(day);
            return dropped.Count == 0
                ? $"The fleet store ({fleet.Name}) holds no day before {before}."
                : $"Dropped {dropped.Count} days of flows from the fleet store ({fleet.Name}): {dropped[0]:yyyy-MM-dd} to {dropped[^1]:yyyy-MM-dd}.";
        }
        catch (FleetStoreException e)
        {
            throw new CommandException(e.Message, e);
        }
    }

    private static DateTimeOffset? ParseTime(string text, string name)
    {
        if (text.Trim().Length == 0)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new CommandException($"{name} '{text}' is not a time (ISO 8601, such as 2026-12-06T14:00:00Z); nothing was opened.");
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason} Flows are kept in the session file instead, and replayed into the fleet store at a start that reaches it (set session_required to refuse to start instead).")]
    private static partial void LogFleetUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet store {Store}: flows written as host {HostId}; {Spilled} flows in the spill file {SpillPath} to replay")]
    private static partial void LogFleetOpened(ILogger logger, string store, string hostId, long spilled, string spillPath);

    [LoggerMessage(Level = LogLevel.Error, Message = "Replaying the spilled flows of {SpillPath} stopped: {Reason} They stay in that file, and are replayed at the next start.")]
    private static partial void LogReplayFailed(ILogger logger, string spillPath, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fleet store {Store}: {Count} flows opened in the View ({Read} rows read, {Decoded} records decoded to decide the filter)")]
    private static partial void LogFleetFlowsOpened(ILogger logger, string store, int count, long read, long decoded);
}
