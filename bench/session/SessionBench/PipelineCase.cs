using System.Diagnostics;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Addons.Session.Bench;

/// <summary>
/// (c) The Session addon's pipeline as the response hook drives it: a producer queues flows as fast as the writer
/// takes them (the bounded queue makes it wait when full), the background consumer commits them in batches and
/// reports each batch as the FlowsPersisted message; the rate is every queued flow over the time from the first
/// enqueue until the last one is committed.
/// </summary>
internal sealed class PipelineCase : IBenchCase
{
    public required string Name { get; init; }

    /// <summary>
    /// How many distinct flow objects the producer cycles through (0: one copy of each input flow, the set the other
    /// cases insert). The queue holds each flow encoded when queued, so an object may be queued again at once; a larger
    /// pool is a colder input (32,768 copies are ~100 MB, read from memory rather than the CPU's caches).
    /// </summary>
    public int Pool { get; init; }

    public int BatchSize { get; init; } = SessionWriterOptions.DefaultBatchSize;

    /// <summary>The store's <see cref="SessionStoreOptions.WalRestartBytes"/> (null: SQLite's checkpoints on the writer's thread).</summary>
    public long? WalRestartBytes { get; init; } = SessionStoreOptions.DefaultWalRestartBytes;

    /// <summary>How many flows may wait (the addon's default, <c>session_queue_size</c>).</summary>
    public int QueueCapacity { get; init; } = SessionWriterOptions.DefaultQueueCapacity;

    /// <summary>Queue depth sampled every 100 ms of the last run: whether it stayed flat.</summary>
    public List<int> DepthSamples { get; } = [];

    /// <summary>Managed bytes allocated per flow in the last run, by every thread (producer, writer, SQLite's wrapper).</summary>
    public double AllocatedBytesPerFlow { get; private set; }

    public BenchResult Run(BenchInput input)
    {
        var path = input.NewDatabasePath("pipeline");
        var pool = Pool > 0 ? Pool : input.Flows.Length;
        var flows = new HttpFlow[pool];
        for (var i = 0; i < pool; i++)
        {
            flows[i] = (HttpFlow)input.Flows[i % input.Flows.Length].Copy();
        }

        try
        {
            var committed = 0L;
            var store = SessionStore.Open(path, new SessionStoreOptions { WalRestartBytes = WalRestartBytes });
            var options = new SessionWriterOptions { BatchSize = BatchSize, QueueCapacity = QueueCapacity, FlushPeriod = TimeSpan.FromMilliseconds(200) };
            var writer = new SessionWriter(store, options, persisted => Interlocked.Add(ref committed, persisted.FlowIds.Count), NullLogger.Instance);
            DepthSamples.Clear();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            using var sampler = new Timer(_ => DepthSamples.Add(writer.QueueDepth), null, 100, 100);
            var queued = 0L;
            while (queued < input.Rows && watch.Elapsed < input.MaxDuration)
            {
                var flow = flows[queued % pool];
                flow.Id = Guid.NewGuid();
                flow.TimestampCreated = input.Start.AddTicks(queued * TimeSpan.TicksPerMillisecond);
                var enqueue = writer.EnqueueAsync(flow, CancellationToken.None);
                if (!enqueue.IsCompletedSuccessfully)
                {
                    enqueue.AsTask().GetAwaiter().GetResult();
                }

                queued++;
            }

            // From the first queued flow to the last one committed: the drain is part of the time, so that a larger
            // batch (or queue) cannot leave flows uncounted behind the measured interval.
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
            store.Dispose(); // copies the rest of the log into the file, inside the time as for every case
            var elapsed = watch.Elapsed;
            AllocatedBytesPerFlow = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Math.Max(1, queued);
            if (Interlocked.Read(ref committed) != queued || writer.Lost != 0)
            {
                throw new InvalidOperationException($"The pipeline committed {committed} of {queued} flows ({writer.Lost} lost).");
            }

            store.Dispose();
            return new BenchResult(Name, queued, elapsed, RawInsertCase.FileBytes(path));
        }
        finally
        {
            RawInsertCase.Delete(path);
        }
    }
}
