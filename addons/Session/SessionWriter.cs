using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;
using Addons.Session.Storage;
using Microsoft.Extensions.Logging;

namespace Addons.Session;

/// <summary>
/// The producer/consumer pipeline between the proxy and the session file: hooks queue flows in a bounded channel
/// (a full queue makes the producer wait: nothing is dropped), and one background consumer writes them in batches,
/// one transaction each, as soon as <see cref="SessionWriterOptions.BatchSize"/> flows are waiting or
/// <see cref="SessionWriterOptions.FlushPeriod"/> after the first of a batch arrived. The queue holds each flow encoded
/// on the hook's thread (<see cref="EncodedFlow"/>), so what is written is the flow as it was when queued and the
/// consumer only binds it; a flow queued again while waiting is written once, as last queued.
/// </summary>
internal sealed partial class SessionWriter : IAsyncDisposable
{
    // How long the consumer waits before it looks for more flows when the queue runs dry before a batch is full.
    private static readonly TimeSpan BatchFillPoll = TimeSpan.FromMilliseconds(1);

    // A spare's record buffer above this size is not kept for reuse.
    private const int MaxSpareBytes = 64 * 1024;

    // Hooks run on many threads at once, and a codec reuses a size table: one per thread.
    [ThreadStatic]
    private static FlowCodec? t_codec;

    private readonly Channel<Guid> _queue;
    private readonly SessionStore _store;
    private readonly IFlowBatchTarget _target;
    private readonly SessionWriterOptions _options;
    private readonly Action<FlowsPersisted> _persisted;
    private readonly Action<IReadOnlyList<FlowSummary>>? _committed;
    private readonly ILogger _logger;
    private readonly Lock _storeGate = new();
    private readonly Task _consumer;
    private readonly ConcurrentDictionary<Guid, EncodedFlow> _waiting = new();

    // Encoded flows written and ready for reuse, with their record buffers grown: queueing allocates nothing once
    // warm. At most _maxSpare are kept (one batch: what the writer hands back at once), so a burst that filled the
    // queue does not stay allocated.
    private readonly ConcurrentQueue<EncodedFlow> _spare = new();
    private readonly int _maxSpare;
    private int _spareCount;
    // Producers that find the queue full wait for this, which the consumer opens when it has taken a batch (or is about
    // to wait for flows), not for each slot it frees: the channel's own waiting writers would each be woken, through the
    // thread pool, once per flow the consumer takes, which at saturation cost more than a core's worth of wake-ups.
    private TaskCompletionSource _room = NewRoom();
    private int _full;
    private volatile bool _closing;
    private long _queued;
    private long _processed;
    private long _written;
    private long _lost;
    private DateTimeOffset? _lastFlush;
    private string? _failure;

    public SessionWriter(SessionStore store, SessionWriterOptions options, Action<FlowsPersisted> persisted, ILogger logger)
        : this(store, options, persisted, logger, committed: null)
    {
    }

    /// <param name="committed">Called on the writer's thread after each committed batch with the summaries of the flows as written.</param>
    /// <param name="target">Where batches go instead of <paramref name="store"/> (the fleet store, spilling to it); null: the store.</param>
    public SessionWriter(
        SessionStore store,
        SessionWriterOptions options,
        Action<FlowsPersisted> persisted,
        ILogger logger,
        Action<IReadOnlyList<FlowSummary>>? committed,
        IFlowBatchTarget? target = null)
    {
        _committed = committed;
        _store = store;
        _target = target ?? store;
        _options = options;
        _persisted = persisted;
        _logger = logger;
        _maxSpare = Math.Min(options.QueueCapacity, options.BatchSize);
        _queue = Channel.CreateBounded<Guid>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _consumer = Task.Run(ConsumeAsync);
    }

    /// <summary>Flows waiting to be written.</summary>
    public int QueueDepth => (int)(Interlocked.Read(ref _queued) - Interlocked.Read(ref _processed));

    /// <summary>Flows written (a flow written again counts again).</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Flows that could not be written because the file failed; each failure was logged.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    public DateTimeOffset? LastFlush => _lastFlush;

    /// <summary>Whether a flow is queued and not yet written (its newest state is not in the file yet).</summary>
    public bool IsWaiting(Guid id) => _waiting.ContainsKey(id);

    /// <summary>Why writing stopped, or null while it works.</summary>
    public string? Failure => _failure;

    /// <summary>
    /// Queues a flow encoded now on the caller's thread, where the flow holds still (a hook runs while the proxy waits
    /// for it): the writer never reads the flow, so the proxy's next changes cannot race it. A flow still waiting is
    /// not queued again; its waiting encoding is replaced by the newer one. Waits while the queue is full. A flow the
    /// schema cannot store, or that fails to encode, is counted as lost (the latter also logged).
    /// </summary>
    public ValueTask EnqueueAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (flow is not HttpFlow http)
        {
            // Only HTTP flows have a schema yet; anything else is left out, and counted.
            Interlocked.Increment(ref _lost);
            return default;
        }

        var encoded = Encode(http);
        if (encoded is null)
        {
            return default;
        }

        while (!_waiting.TryAdd(flow.Id, encoded))
        {
            if (_waiting.TryGetValue(flow.Id, out var waiting) && _waiting.TryUpdate(flow.Id, encoded, waiting))
            {
                Release(waiting);
                return default;
            }
        }

        Interlocked.Increment(ref _queued);
        return _queue.Writer.TryWrite(flow.Id) ? default : WaitForRoom(flow.Id, cancellationToken);
    }

    /// <summary>Waits until every flow queued before the call has been written (or failed).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _queued);
        while (Interlocked.Read(ref _processed) < target && !_consumer.IsCompleted)
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs an operation on the store between batches (save a copy, clear, statistics).</summary>
    public T WithStore<T>(Func<SessionStore, T> operation)
    {
        lock (_storeGate)
        {
            return operation(_store);
        }
    }

    /// <summary>Takes no more flows, writes every queued one, and stops the consumer.</summary>
    public async ValueTask DisposeAsync()
    {
        _closing = true;
        _queue.Writer.TryComplete();
        OpenRoom();
        await _consumer.ConfigureAwait(false);
    }

    private static TaskCompletionSource NewRoom() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Queues a flow once the consumer has made room (see <see cref="_room"/>).</summary>
    private async ValueTask WaitForRoom(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                // The room to wait for is read, and the queue marked full, before trying again: a consumer that takes
                // flows after a failed try sees the mark and opens this room.
                var room = Volatile.Read(ref _room);
                Volatile.Write(ref _full, 1);
                if (_queue.Writer.TryWrite(id))
                {
                    return;
                }

                if (_closing)
                {
                    // Closed: the channel says so as it would to any writer.
                    await _queue.Writer.WriteAsync(id, cancellationToken).ConfigureAwait(false);
                    return;
                }

                await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            Interlocked.Decrement(ref _queued);
            if (_waiting.TryRemove(id, out var encoded))
            {
                Release(encoded);
            }

            throw;
        }
    }

    private EncodedFlow? Encode(HttpFlow flow)
    {
        var threshold = _store.Options.BodyThreshold;
        var codec = t_codec is { } cached && cached.BodyThreshold == threshold ? cached : t_codec = new FlowCodec(threshold);
        var encoded = Rent();
        try
        {
            encoded.Capture(flow, codec, copyBodies: true);
            return encoded;
        }
        catch (Exception e)
        {
            // A flow that cannot be encoded must not fail the hook, nor vanish unsaid.
            t_codec = null;
            Interlocked.Increment(ref _lost);
            LogEncodeFailed(_logger, flow.Id, e.Message);
            return null;
        }
    }

    private EncodedFlow Rent()
    {
        if (_spare.TryDequeue(out var encoded))
        {
            Interlocked.Decrement(ref _spareCount);
            return encoded;
        }

        return new EncodedFlow();
    }

    private void Release(EncodedFlow encoded)
    {
        encoded.Clear();
        // Keep the usual ~2 KB buffers; one grown for an unusually large record goes back to the GC.
        if (encoded.Capacity <= MaxSpareBytes && Interlocked.Increment(ref _spareCount) <= _maxSpare)
        {
            _spare.Enqueue(encoded);
            return;
        }

        Interlocked.Decrement(ref _spareCount);
    }

    /// <summary>Lets the producers waiting for room try again, if any found the queue full.</summary>
    private void OpenRoom()
    {
        if (Volatile.Read(ref _full) == 1 && Interlocked.Exchange(ref _full, 0) == 1)
        {
            Interlocked.Exchange(ref _room, NewRoom()).TrySetResult();
        }
    }

    private async Task ConsumeAsync()
    {
        var batch = new List<EncodedFlow>(_options.BatchSize);
        var positions = new Dictionary<Guid, int>();
        var reader = _queue.Reader;
        while (true)
        {
            OpenRoom();
            if (!await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                break;
            }

            var taken = 0;
            using (var window = new CancellationTokenSource(_options.FlushPeriod))
            {
                // The batch closes when full or when the window ends, even while flows keep arriving.
                while (batch.Count < _options.BatchSize && !window.IsCancellationRequested)
                {
                    if (reader.TryRead(out var id))
                    {
                        taken++;
                        if (!_waiting.TryRemove(id, out var flow))
                        {
                            continue;
                        }

                        if (positions.TryGetValue(flow.Id, out var at))
                        {
                            Release(batch[at]);
                            batch[at] = flow;
                        }
                        else
                        {
                            positions[flow.Id] = batch.Count;
                            batch.Add(flow);
                        }

                        continue;
                    }

                    OpenRoom();
                    if (reader.Completion.IsCompleted)
                    {
                        break;
                    }

                    try
                    {
                        // The queue ran dry mid-batch: look again in a moment rather than wake for each flow as it
                        // arrives, which at full speed cost the writer's thread a hop through the thread pool per flow.
                        await Task.Delay(BatchFillPoll, window.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }

            OpenRoom();
            try
            {
                Write(batch);
            }
            catch (Exception e)
            {
                // The writer outlives any one batch: what it could not keep is counted and said.
                Interlocked.Add(ref _lost, batch.Count);
                LogBatchFailed(_logger, batch.Count, batch.Count > 0 ? batch[0].Id : Guid.Empty, e.Message);
            }

            Interlocked.Add(ref _processed, taken);
            foreach (var encoded in batch)
            {
                Release(encoded);
            }

            batch.Clear();
            positions.Clear();
        }
    }

    private void Write(List<EncodedFlow> batch)
    {
        if (_failure is not null)
        {
            Interlocked.Add(ref _lost, batch.Count);
            return;
        }

        var clock = Stopwatch.StartNew();
        try
        {
            lock (_storeGate)
            {
                _target.WriteBatch(batch);
            }
        }
        catch (SessionStoreException e)
        {
            // The file cannot take more (full disk, lost lock, read-only): say so once, then count what is not kept.
            _failure = e.Message;
            Interlocked.Add(ref _lost, batch.Count);
            LogWriteFailed(_logger, e.Message, batch.Count);
            return;
        }

        Interlocked.Add(ref _written, batch.Count);
        _lastFlush = DateTimeOffset.UtcNow;
        var ids = new Guid[batch.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = batch[i].Id;
        }

        _persisted(new FlowsPersisted { FlowIds = ids, CommittedAt = _lastFlush.Value, WriteDuration = clock.Elapsed, QueueDepth = Math.Max(0, QueueDepth - batch.Count) });
        if (_committed is { } committed)
        {
            var summaries = new FlowSummary[batch.Count];
            for (var i = 0; i < summaries.Length; i++)
            {
                summaries[i] = batch[i].Summary!;
            }

            committed(summaries);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow {FlowId} could not be encoded and is not saved: {Reason}")]
    private static partial void LogEncodeFailed(ILogger logger, Guid flowId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A batch of {Count} flows (the first {FlowId}) could not be written and is not saved: {Reason}")]
    private static partial void LogBatchFailed(ILogger logger, int count, Guid flowId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason} The session stops persisting flows; {Count} flows of this batch and every later one are not saved (see session.stats).")]
    private static partial void LogWriteFailed(ILogger logger, string reason, int count);
}
