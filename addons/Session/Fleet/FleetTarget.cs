using Addons.Abstractions.Flows;
using Addons.Session.Storage;
using Microsoft.Extensions.Logging;

namespace Addons.Session.Fleet;

/// <summary>
/// The session writer's target when flows go to a fleet store. Each batch is written to PostgreSQL; while PostgreSQL
/// cannot take batches, they go to the local session file instead (the spill file), never dropped. Every
/// <c>session_postgres_retry_ms</c> a probe, off the writer's lock, opens a connection; once one opens, batches go to
/// PostgreSQL again and the spilled flows are replayed into it a slice at a time (oldest first, each slice removed from
/// the spill file once committed there) between the batches, so a long outage does not stall the proxy when the store
/// comes back. A flow written to PostgreSQL while an older copy of it waits in the spill file takes that copy out, so
/// the replay never puts back an older state. A replay interrupted by another outage resumes where it stopped: a flow
/// replayed twice replaces its row. Used under the writer's store lock only (the probe aside).
/// </summary>
internal sealed partial class FleetTarget : IFlowBatchTarget, IDisposable
{
    /// <summary>Spilled flows replayed at a time.</summary>
    public const int ReplaySlice = 2_000;

    private readonly FleetStore _fleet;
    private readonly SessionStore _spill;
    private readonly TimeSpan _retry;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly FleetWriter _writer;
    private readonly FlowCodec _codec;
    private readonly List<EncodedFlow> _replay = [];
    private DateTimeOffset _nextTry;
    private long _spillCount;

    // Set by a probe that opened a connection while the store was down: the next batch tries it again.
    private volatile bool _reachable;
    private Task _probe = Task.CompletedTask;

    public FleetTarget(FleetStore fleet, SessionStore spill, TimeSpan retry, ILogger logger, TimeProvider time)
    {
        _fleet = fleet;
        _spill = spill;
        _retry = retry;
        _logger = logger;
        _time = time;
        _writer = fleet.CreateWriter();
        _codec = new FlowCodec(spill.Options.BodyThreshold);
        _spillCount = spill.Count();
    }

    /// <summary>Since when PostgreSQL has not taken writes, or null while it does.</summary>
    public DateTimeOffset? DownSince { get; private set; }

    /// <summary>Why PostgreSQL last failed, while it is down.</summary>
    public string? Reason { get; private set; }

    /// <summary>Flows committed to PostgreSQL (replayed ones included).</summary>
    public long Written { get; private set; }

    /// <summary>Flows waiting in the spill file to be replayed (read from any thread).</summary>
    public long Spilled => Interlocked.Read(ref _spillCount);

    /// <summary>Flows replayed from the spill file so far.</summary>
    public long Replayed { get; private set; }

    /// <summary>The local file batches go to while PostgreSQL is down.</summary>
    public string SpillPath => _spill.Path;

    public void WriteBatch(IReadOnlyList<EncodedFlow> flows)
    {
        if (Writable() && TryWrite(flows))
        {
            return;
        }

        // A SessionStoreException here means nothing can keep the batch: the writer stops and says so.
        _spill.WriteBatch(flows);
        _spillCount += flows.Count;
    }

    /// <summary>Writes the batch to PostgreSQL; false, with the store marked down, when that failed in any way.</summary>
    private bool TryWrite(IReadOnlyList<EncodedFlow> flows)
    {
        try
        {
            _writer.WriteBatch(flows);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Down(e);
            return false;
        }

        Written += flows.Count;
        Up();
        if (_spillCount > 0)
        {
            ForgetOlderCopies(flows);
        }

        return true;
    }

    /// <summary>Takes out of the spill file the older copies of flows just written to the store, which the replay must not put back.</summary>
    private void ForgetOlderCopies(IReadOnlyList<EncodedFlow> flows)
    {
        try
        {
            _spillCount -= _spill.Delete(flows.Select(flow => flow.Id));
        }
        catch (SessionStoreException e)
        {
            // The batch is in the store; only the replay's order is at stake, so the writer goes on.
            LogNotForgotten(_logger, flows.Count, _spill.Path, e.Message);
        }
    }

    /// <summary>
    /// Replays one slice of the spill file if PostgreSQL takes writes (trying it again if it was down and the retry
    /// period has passed). Returns whether spilled flows are left.
    /// </summary>
    /// <exception cref="SessionStoreException">The spill file cannot be read or changed.</exception>
    public bool CatchUp()
    {
        if (_spillCount == 0 || !Writable())
        {
            return _spillCount > 0;
        }

        try
        {
            var slice = _spill.ReadAll().Take(ReplaySlice).ToList();
            for (var i = 0; i < slice.Count; i++)
            {
                if (_replay.Count <= i)
                {
                    _replay.Add(new EncodedFlow());
                }

                _replay[i].Capture((HttpFlow)slice[i], _codec, copyBodies: false);
            }

            _writer.WriteBatch(_replay.GetRange(0, slice.Count));
            _spill.Delete(slice.Select(flow => flow.Id));
            _spillCount = slice.Count < ReplaySlice ? 0 : _spill.Count();
            Written += slice.Count;
            Replayed += slice.Count;
            Up();
            if (_spillCount == 0)
            {
                LogCaughtUp(_logger, _fleet.Name, Replayed, _spill.Path);
            }
        }
        catch (FleetStoreException e)
        {
            Down(e);
        }
        finally
        {
            foreach (var encoded in _replay)
            {
                encoded.Clear();
            }
        }

        return _spillCount > 0;
    }

    public void Dispose()
    {
        _probe.Wait(TimeSpan.FromSeconds(30));
        _writer.Dispose();
    }

    /// <summary>
    /// Whether to try PostgreSQL now: while it is up, or once a probe opened a connection. While it is down, a probe
    /// starts every retry period, on its own thread: a server that does not answer at all holds the probe for the
    /// connection timeout, not the writer.
    /// </summary>
    private bool Writable()
    {
        if (DownSince is null || _reachable)
        {
            return true;
        }

        if (_probe.IsCompleted && _time.GetUtcNow() >= _nextTry)
        {
            _nextTry = _time.GetUtcNow() + _retry;
            _probe = Task.Run(Probe);
        }

        return false;
    }

    private void Probe()
    {
        try
        {
            using var connection = _fleet.Connection.Source.OpenConnection();
            _reachable = true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // On its own thread, nothing may escape: the reason is shown while the store is down.
            Reason = FleetConnection.IsStoreFailure(e) ? _fleet.Connection.Failed("be reached", e).Message : e.Message;
        }
    }

    private void Up()
    {
        if (DownSince is { } since)
        {
            LogBack(_logger, _fleet.Name, _time.GetUtcNow() - since, _spillCount, _spill.Path);
        }

        DownSince = null;
        Reason = null;
    }

    private void Down(Exception e)
    {
        _reachable = false;
        _nextTry = _time.GetUtcNow() + _retry;
        Reason = e is FleetStoreException ? e.Message : $"The fleet store ({_fleet.Name}) could not take a batch: {e.Message}";
        if (DownSince is null)
        {
            DownSince = _time.GetUtcNow();
            LogDown(_logger, Reason, _spill.Path, _retry.TotalMilliseconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason} Flows go to the spill file {SpillPath} until it takes writes again (tried every {RetryMs} ms), then are replayed into it.")]
    private static partial void LogDown(ILogger logger, string reason, string spillPath, double retryMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} flows written to the fleet store could not be taken out of the spill file {SpillPath} ({Reason}); its older copies of them may be replayed over them")]
    private static partial void LogNotForgotten(ILogger logger, int count, string spillPath, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The fleet store ({Store}) takes writes again after {Outage}; {Spilled} flows in the spill file {SpillPath} are being replayed into it.")]
    private static partial void LogBack(ILogger logger, string store, TimeSpan outage, long spilled, string spillPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "The fleet store ({Store}) has caught up: {Replayed} spilled flows replayed in all, and the spill file {SpillPath} is empty.")]
    private static partial void LogCaughtUp(ILogger logger, string store, long replayed, string spillPath);
}
