using System.Collections.Concurrent;
using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;

namespace Addons.StreamTester;

/// <summary>
/// One stream: producers that put duplicates of the unit flow through the hooks at the parameters' rate, and the
/// measurements of what became of them, from the storage's <see cref="FlowsPersisted"/> messages: per second, the
/// flows offered and persisted, the latency from publication to commit, the batches, the writer's queue and memory.
/// </summary>
internal sealed class StreamRun
{
    /// <summary>How long the end of a run waits for storage to report a flow before it gives up on the rest.</summary>
    public static readonly TimeSpan DrainQuiet = TimeSpan.FromSeconds(5);

    private readonly StreamParameters _parameters;
    private readonly HttpFlow _unit;
    private readonly IFlowInjector _injector;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Guid, long> _inFlight = new();
    private readonly HashSet<Guid> _persistedIds = [];
    private readonly List<SecondStats> _seconds = [];
    private readonly Lock _gate = new();
    private readonly long _startTimestamp;
    private Task? _producers;
    private long _offered;
    private long _persisted;
    private long _duplicates;
    private long _batches;
    private long _batchFlows;
    private int _largestBatch;
    private long _failed;
    private string? _firstFailure;
    private long _lastPersistedTimestamp;
    private long _reserved;

    public StreamRun(StreamParameters parameters, HttpFlow unit, IFlowInjector injector, TimeProvider time)
    {
        _parameters = parameters;
        _unit = unit;
        _injector = injector;
        _time = time;
        StartedAt = time.GetUtcNow();
        _startTimestamp = time.GetTimestamp();
        _lastPersistedTimestamp = _startTimestamp;
    }

    public StreamParameters Parameters => _parameters;

    public DateTimeOffset StartedAt { get; }

    /// <summary>When the producers stopped (null while they run).</summary>
    public TimeSpan? ProducingTime { get; private set; }

    public long Offered => Interlocked.Read(ref _offered);

    public long Persisted => Interlocked.Read(ref _persisted);

    /// <summary>Completes when the producers have stopped: the duration or count was reached, or <see cref="Stop"/>.</summary>
    public Task Producing => _producers ?? Task.CompletedTask;

    public TimeSpan Elapsed => _time.GetElapsedTime(_startTimestamp);

    /// <summary>Starts the producers.</summary>
    public void Start()
    {
        var producers = new Task[_parameters.Producers];
        for (var i = 0; i < producers.Length; i++)
        {
            producers[i] = Task.Run(() => ProduceAsync(_stop.Token));
        }

        _producers = Task.WhenAll(producers).ContinueWith(
            _ => ProducingTime = Elapsed,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Stops the producers (the flows already offered are still measured).</summary>
    public void Stop() => _stop.Cancel();

    /// <summary>
    /// Waits until storage has reported every offered flow, or until it has reported none for
    /// <see cref="DrainQuiet"/>, or <paramref name="cancellationToken"/>.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        await Producing.ConfigureAwait(false);
        while (!_inFlight.IsEmpty && !cancellationToken.IsCancellationRequested)
        {
            var quiet = _time.GetElapsedTime(Interlocked.Read(ref _lastPersistedTimestamp));
            if (quiet >= DrainQuiet)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>A storage batch was committed: the stream's flows in it are persisted.</summary>
    public void OnPersisted(FlowsPersisted persisted)
    {
        var now = _time.GetTimestamp();
        var committed = persisted.CommittedAt.UtcTicks;
        var ours = 0;
        lock (_gate)
        {
            var second = Second(persisted.CommittedAt);
            foreach (var id in persisted.FlowIds)
            {
                if (_inFlight.TryRemove(id, out var publishedTicks))
                {
                    ours++;
                    _persistedIds.Add(id);
                    second.Latencies.Add(Math.Max(0, committed - publishedTicks));
                }
                else if (_persistedIds.Contains(id))
                {
                    _duplicates++;
                }
            }

            if (ours == 0)
            {
                return;
            }

            second.Persisted += ours;
            second.Batches++;
            second.QueueDepth = Math.Max(second.QueueDepth, persisted.QueueDepth);
            _batches++;
            _batchFlows += persisted.FlowIds.Count;
            _largestBatch = Math.Max(_largestBatch, persisted.FlowIds.Count);
        }

        Interlocked.Add(ref _persisted, ours);
        Interlocked.Exchange(ref _lastPersistedTimestamp, now);
    }

    /// <summary>Records the process's memory for the second that just ended (the sampler calls it at each second's end).</summary>
    public void SampleMemory()
    {
        var managed = GC.GetTotalMemory(forceFullCollection: false);
        var workingSet = Environment.WorkingSet;
        lock (_gate)
        {
            var second = Second(_time.GetUtcNow() - TimeSpan.FromMilliseconds(500));
            second.ManagedBytes = Math.Max(second.ManagedBytes, managed);
            second.WorkingSetBytes = Math.Max(second.WorkingSetBytes, workingSet);
        }
    }

    /// <summary>What the last full second looked like, for the live progress line.</summary>
    public SecondRow? LastSecond()
    {
        lock (_gate)
        {
            var index = (int)Math.Floor((_time.GetUtcNow() - StartedAt).TotalSeconds) - 1;
            return index >= 0 && index < _seconds.Count ? Row(index) : null;
        }
    }

    /// <summary>
    /// The completed seconds after second <paramref name="since"/> (1-based; 0 for all), at most the latest
    /// <paramref name="max"/>: a completed second no longer changes, so a live chart asks for each once.
    /// </summary>
    public IReadOnlyList<SecondRow> SecondsAfter(int since, int max)
    {
        lock (_gate)
        {
            var completed = Math.Min(_seconds.Count, (int)Math.Floor((_time.GetUtcNow() - StartedAt).TotalSeconds));
            var from = Math.Max(Math.Max(0, since), completed - max);
            return Enumerable.Range(from, Math.Max(0, completed - from)).Select(Row).ToList();
        }
    }

    /// <summary>Everything measured so far.</summary>
    public StreamResult Result()
    {
        lock (_gate)
        {
            var rows = Enumerable.Range(0, _seconds.Count).Select(Row).ToList();
            var all = _seconds.SelectMany(s => s.Latencies).ToArray();
            Array.Sort(all);
            var producing = ProducingTime ?? Elapsed;
            return new StreamResult
            {
                Parameters = _parameters,
                StartedAt = StartedAt,
                ProducingSeconds = producing.TotalSeconds,
                Offered = Offered,
                Persisted = Persisted,
                NotPersisted = _inFlight.Count,
                Duplicates = _duplicates,
                Failed = Interlocked.Read(ref _failed),
                FirstFailure = _firstFailure,
                Batches = _batches,
                MeanBatch = _batches == 0 ? 0 : _batchFlows / (double)_batches,
                LargestBatch = _largestBatch,
                Latency = LatencySummary.Of(all),
                MaxQueueDepth = _seconds.Count == 0 ? 0 : _seconds.Max(s => s.QueueDepth),
                PeakManagedBytes = _seconds.Count == 0 ? 0 : _seconds.Max(s => s.ManagedBytes),
                PeakWorkingSetBytes = _seconds.Count == 0 ? 0 : _seconds.Max(s => s.WorkingSetBytes),
                Seconds = rows,
            };
        }
    }

    private async Task ProduceAsync(CancellationToken stop)
    {
        var period = _parameters.BurstPeriod;
        var burst = _parameters.Burst;
        var start = _time.GetTimestamp();
        for (long tick = 0; !stop.IsCancellationRequested; tick++)
        {
            if (period is { } p)
            {
                // Burst k is due k periods after the start; a producer that fell behind sends at once until it catches up.
                var due = p * tick;
                if (_parameters.Duration is { } duration && due >= duration)
                {
                    return;
                }

                var wait = due - _time.GetElapsedTime(start);
                if (wait > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(wait, _time, stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
            else if (_parameters.Duration is { } duration && _time.GetElapsedTime(start) >= duration)
            {
                return;
            }

            var count = Reserve(burst);
            if (count == 0)
            {
                return;
            }

            for (var i = 0; i < count && !stop.IsCancellationRequested; i++)
            {
                await PublishAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Takes up to <paramref name="wanted"/> flows from what the count allows.</summary>
    private int Reserve(int wanted)
    {
        if (_parameters.Count is not { } limit)
        {
            return wanted;
        }

        var after = Interlocked.Add(ref _reserved, wanted);
        var over = after - limit;
        return over <= 0 ? wanted : (int)Math.Max(0, wanted - over);
    }

    private async Task PublishAsync()
    {
        var now = _time.GetUtcNow();
        var flow = UnitFlow.Duplicate(_unit, now);
        _inFlight[flow.Id] = now.UtcTicks;
        lock (_gate)
        {
            Second(now).Offered++;
        }

        Interlocked.Increment(ref _offered);
        try
        {
            // A flow once published runs all its hooks, as a captured flow in flight does when the host stops: the
            // stop ends the stream, not the flows already in it (a cancelled hook would leave storage without them).
            await _injector.InjectAsync(flow, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The injection itself failed (an addon's fault is isolated by the chain; this is the chain refusing).
            if (Interlocked.Increment(ref _failed) == 1)
            {
                _firstFailure = e.Message;
            }

            _inFlight.TryRemove(flow.Id, out _);
        }
    }

    private SecondStats Second(DateTimeOffset at)
    {
        var index = Math.Max(0, (int)Math.Floor((at - StartedAt).TotalSeconds));
        while (_seconds.Count <= index)
        {
            _seconds.Add(new SecondStats());
        }

        return _seconds[index];
    }

    private SecondRow Row(int index)
    {
        var second = _seconds[index];
        var latencies = second.Latencies.ToArray();
        Array.Sort(latencies);
        return new SecondRow(index + 1, second.Offered, second.Persisted, second.Batches, LatencySummary.Of(latencies), second.QueueDepth, second.ManagedBytes, second.WorkingSetBytes);
    }

    private sealed class SecondStats
    {
        public long Offered;
        public long Persisted;
        public int Batches;
        public int QueueDepth;
        public long ManagedBytes;
        public long WorkingSetBytes;
        public readonly List<long> Latencies = [];
    }
}

/// <summary>Percentiles of latencies, in milliseconds.</summary>
internal sealed record LatencySummary(double P50, double P95, double P99, double Max, long Count)
{
    /// <summary>From latencies in ticks, sorted ascending.</summary>
    public static LatencySummary Of(long[] sortedTicks)
    {
        if (sortedTicks.Length == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0);
        }

        double At(double quantile) => sortedTicks[(int)Math.Min(sortedTicks.Length - 1, Math.Ceiling(quantile * sortedTicks.Length) - 1)] / (double)TimeSpan.TicksPerMillisecond;
        return new LatencySummary(At(0.50), At(0.95), At(0.99), sortedTicks[^1] / (double)TimeSpan.TicksPerMillisecond, sortedTicks.Length);
    }
}

/// <summary>One second of a run (second 1 is the first).</summary>
internal sealed record SecondRow(int Second, long Offered, long Persisted, int Batches, LatencySummary Latency, int QueueDepth, long ManagedBytes, long WorkingSetBytes);
