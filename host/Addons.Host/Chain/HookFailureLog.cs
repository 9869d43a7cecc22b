using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Chain;

/// <summary>
/// Logs addons' failures in hooks without letting one that fails on every flow drown the log: the first
/// <see cref="LoggedInFull"/> failures of each addon and hook are logged in full, with the exception; after that, one
/// line per addon and hook per <see cref="Period"/> says how often it failed and how, the last time. A timer writes
/// those lines (on the <see cref="TimeProvider"/>, so a test can move time), also when the failures have stopped;
/// <see cref="Flush"/> writes what is pending at once, at <c>done</c>.
/// </summary>
internal sealed partial class HookFailureLog(ILogger logger, TimeProvider time) : IDisposable
{
    public const int LoggedInFull = 5;

    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<(string Addon, string Hook), Tally> _tallies = new();
    private readonly Lock _timerGate = new();
    private ITimer? _timer;
    private bool _disposed;

    /// <summary>One failure of <paramref name="addon"/> in <paramref name="hook"/>, for <paramref name="flowId"/> if the hook is about a flow.</summary>
    public void Report(string addon, string hook, Guid? flowId, Exception exception)
    {
        var tally = _tallies.GetOrAdd((addon, hook), static _ => new Tally());
        if (tally.Add(exception, time.GetTimestamp()))
        {
            if (flowId is { } id)
            {
                FlowHookFailed(logger, addon, hook, id, exception.GetType().Name, exception.Message, exception);
            }
            else
            {
                HookFailed(logger, addon, hook, exception.GetType().Name, exception.Message, exception);
            }

            return;
        }

        if (Volatile.Read(ref _timer) is null)
        {
            StartTimer();
        }
    }

    /// <summary>
    /// Writes the summary of every addon and hook with failures not yet told (of <paramref name="addon"/> only, if
    /// given, whose tallies are then forgotten: a new build of it starts with its failures logged in full again).
    /// </summary>
    public void Flush(string? addon = null)
    {
        var now = time.GetTimestamp();
        foreach (var (key, tally) in _tallies)
        {
            if (addon is not null && key.Addon != addon)
            {
                continue;
            }

            if (tally.TakeSummary(now, time) is { } summary)
            {
                HookFailedRepeatedly(logger, key.Addon, summary.Count, key.Hook, summary.Seconds, summary.ExceptionType, summary.Reason);
            }

            if (addon is not null)
            {
                _tallies.TryRemove(key, out _);
            }
        }
    }

    public void Dispose()
    {
        lock (_timerGate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void StartTimer()
    {
        // Started by the first failure left out of the log, it runs until the chain is disposed: a tick with nothing to
        // tell writes nothing, and stopping it when idle would race the next failure.
        lock (_timerGate)
        {
            if (_timer is null && !_disposed)
            {
                Volatile.Write(ref _timer, time.CreateTimer(static state => ((HookFailureLog)state!).Flush(), this, Period, Period));
            }
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Error, Message = "Addon '{Addon}' failed in hook '{Hook}': {ExceptionType}: {Reason}")]
    private static partial void HookFailed(ILogger logger, string addon, string hook, string exceptionType, string reason, Exception exception);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Addon '{Addon}' failed in hook '{Hook}' for flow {FlowId}: {ExceptionType}: {Reason}")]
    private static partial void FlowHookFailed(ILogger logger, string addon, string hook, Guid flowId, string exceptionType, string reason, Exception exception);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Addon '{Addon}' failed {Count:N0} times in hook '{Hook}' in the last {Seconds} s; last: {ExceptionType}: {Reason}")]
    private static partial void HookFailedRepeatedly(ILogger logger, string addon, long count, string hook, long seconds, string exceptionType, string reason);

    private readonly record struct Summary(long Count, long Seconds, string ExceptionType, string Reason);

    /// <summary>The failures of one addon in one hook. Only text is kept of the last exception, never the exception: it would hold a plugin's types, and so its load context.</summary>
    private sealed class Tally
    {
        private readonly Lock _gate = new();
        private int _loggedInFull;
        private long _sinceSummary;
        private long _untold;
        private long _windowStart;
        private string _lastType = "";
        private string _lastReason = "";

        /// <summary>Counts a failure; true when it is one to log in full.</summary>
        public bool Add(Exception exception, long timestamp)
        {
            lock (_gate)
            {
                if (_sinceSummary++ == 0)
                {
                    _windowStart = timestamp;
                }

                if (_loggedInFull < LoggedInFull)
                {
                    _loggedInFull++;
                    return true;
                }

                _untold++;
                _lastType = exception.GetType().Name;
                _lastReason = exception.Message;
                return false;
            }
        }

        /// <summary>The summary of the failures since the last one, if some were not logged in full; the count starts again.</summary>
        public Summary? TakeSummary(long now, TimeProvider time)
        {
            lock (_gate)
            {
                if (_untold == 0)
                {
                    return null;
                }

                var seconds = (long)Math.Max(1, Math.Round(time.GetElapsedTime(_windowStart, now).TotalSeconds));
                var summary = new Summary(_sinceSummary, seconds, _lastType, _lastReason);
                _sinceSummary = 0;
                _untold = 0;
                return summary;
            }
        }
    }
}
