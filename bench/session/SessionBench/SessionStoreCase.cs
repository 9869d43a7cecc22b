using System.Diagnostics;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;

namespace Addons.Session.Bench;

/// <summary>
/// <see cref="SessionStore.WriteBatch"/> with its full schema (id map, indexed columns, bodies apart): what the Session
/// addon's writer will call, without the queue in front of it. Each row is a fresh flow id, as in live traffic.
/// </summary>
internal sealed class SessionStoreCase : IBenchCase
{
    public required string Name { get; init; }

    public int BatchSize { get; init; } = SessionWriterOptions.DefaultBatchSize;

    public int PageSize { get; init; } = SessionStoreOptions.DefaultPageSize;

    /// <summary>The store's <see cref="SessionStoreOptions.WalRestartBytes"/> (null: SQLite's checkpoints on the writer's thread).</summary>
    public long? WalRestartBytes { get; init; } = SessionStoreOptions.DefaultWalRestartBytes;

    public BenchResult Run(BenchInput input)
    {
        var path = input.NewDatabasePath("store");
        try
        {
            // Each batch row its own flow object: a batch larger than the input's pool would otherwise hold one object
            // several times, under its last id, and the store would update rows instead of inserting them.
            var pool = new Flow[Math.Max(input.Flows.Length, BatchSize)];
            for (var i = 0; i < pool.Length; i++)
            {
                pool[i] = input.Flows[i % input.Flows.Length].Copy();
            }

            var rows = 0L;
            var batch = new List<Flow>(BatchSize);
            using var store = SessionStore.Open(path, new SessionStoreOptions { PageSize = PageSize, WalRestartBytes = WalRestartBytes });
            var watch = Stopwatch.StartNew();
            while (rows < input.Rows && watch.Elapsed < input.MaxDuration)
            {
                batch.Clear();
                for (var i = 0; i < BatchSize && rows < input.Rows; i++, rows++)
                {
                    var flow = pool[rows % pool.Length];
                    // Live traffic: every flow a new id, created after the one before.
                    flow.Id = Guid.NewGuid();
                    flow.TimestampCreated = input.Start.AddTicks(rows * TimeSpan.TicksPerMillisecond);
                    batch.Add(flow);
                }

                store.WriteBatch(batch);
            }

            store.Dispose(); // copies the rest of the log into the file: part of the time, as for every case
            watch.Stop();
            return new BenchResult(Name, rows, watch.Elapsed, RawInsertCase.FileBytes(path));
        }
        finally
        {
            RawInsertCase.Delete(path);
        }
    }
}
