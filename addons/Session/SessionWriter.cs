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
/// <see cref="SessionWriterOptions.FlushPeriod"/> after the first of a batch arrived. The queue holds snapshots, so
/// what is written is the flow as it was when queued; a flow queued again while waiting is written once, as last queued.
/// </summary>
internal sealed partial class SessionWriter : IAsyncDisposable
{
    private readonly Channel<Guid> _queue;
    private readonly SessionStore _store;
    private readonly SessionWriterOptions _options;
    private readonly Action<FlowsPersisted> _persisted;
    private readonly Action<IReadOnlyList<Flow>>? _committed;
    private readonly ILogger _logger;
    private readonly Lock _storeGate = new();
    private readonly Task _consumer;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, Flow> _waiting = new();
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

    /// <param name="committed">Called on the writer's thread after each committed batch with the flows as written (the snapshots).</param>
    public SessionWriter(SessionStore store, SessionWriterOptions options, Action<FlowsPersisted> persisted, ILogger logger, Action<IReadOnlyList<Flow>>? committed)
    {
        _committed = committed;
        _store = store;
        _options = options;
        _persisted = persisted;
        _logger = logger;
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
    /// Queues a snapshot of a flow, taken now on the caller's thread, where the flow holds still (a hook runs while
    /// the proxy waits for it): the writer encodes it later without racing the proxy's next changes. A flow still
    /// waiting is not queued again; its waiting snapshot is replaced by the newer one. Waits while the queue is full.
    /// </summary>
    public ValueTask EnqueueAsync(Flow flow, CancellationToken cancellationToken)
    {
        var snapshot = flow.Copy();
        snapshot.Id = flow.Id;
        while (!_waiting.TryAdd(flow.Id, snapshot))
        {
            if (_waiting.TryGetValue(flow.Id, out var waiting) && _waiting.TryUpdate(flow.Id, snapshot, waiting))
            {
                return default;
            }
        }

        Interlocked.Increment(ref _queued);
        var write = _queue.Writer.WriteAsync(flow.Id, cancellationToken);
        return write.IsCompletedSuccessfully ? default : AwaitWrite(write, flow.Id);
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
        _queue.Writer.TryComplete();
        await _consumer.ConfigureAwait(false);
    }

    private async ValueTask AwaitWrite(ValueTask write, Guid id)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Decrement(ref _queued);
            _waiting.TryRemove(id, out _);
            throw;
        }
    }

    private async Task ConsumeAsync()
    {
        var batch = new List<Flow>(_options.BatchSize);
        var positions = new Dictionary<Guid, int>();
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
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
                            batch[at] = flow;
                        }
                        else
                        {
                            positions[flow.Id] = batch.Count;
                            batch.Add(flow);
                        }

                        continue;
                    }

                    try
                    {
                        if (!await reader.WaitToReadAsync(window.Token).ConfigureAwait(false))
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }

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
            batch.Clear();
            positions.Clear();
        }
    }

    private void Write(List<Flow> batch)
    {
        if (_failure is not null)
        {
            Interlocked.Add(ref _lost, batch.Count);
            return;
        }

        // Only HTTP flows have a schema yet; anything else is left out, and counted, rather than failing the batch.
        var skipped = batch.RemoveAll(flow => !FlowCodec.CanEncode(flow));
        Interlocked.Add(ref _lost, skipped);
        var clock = Stopwatch.StartNew();
        try
        {
            lock (_storeGate)
            {
                _store.WriteBatch(batch);
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

        _persisted(new FlowsPersisted(ids, _lastFlush.Value, clock.Elapsed, Math.Max(0, QueueDepth - batch.Count)));
        _committed?.Invoke(batch);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A batch of {Count} flows (the first {FlowId}) could not be written and is not saved: {Reason}")]
    private static partial void LogBatchFailed(ILogger logger, int count, Guid flowId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason} The session stops persisting flows; {Count} flows of this batch and every later one are not saved (see session.stats).")]
    private static partial void LogWriteFailed(ILogger logger, string reason, int count);
}
