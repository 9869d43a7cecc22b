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

    public int BatchSize { get; init; } = 1000;

    public int PageSize { get; init; } = SessionStoreOptions.DefaultPageSize;

    public BenchResult Run(BenchInput input)
    {
        var path = input.NewDatabasePath("store");
        try
        {
            var rows = 0L;
            var batch = new List<Flow>(BatchSize);

            // The store reads the objects when the batch is written: an object given a new id twice in one batch would
            // be written once, so a batch larger than the pool takes copies.
            var pool = input.Flows.Length >= BatchSize
                ? input.Flows
                : [.. Enumerable.Range(0, BatchSize).Select(i => (HttpFlow)input.Flows[i % input.Flows.Length].Copy())];
            using var store = SessionStore.Open(path, new SessionStoreOptions { PageSize = PageSize });
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

            watch.Stop();
            store.Dispose(); // checkpoints the WAL, as the raw cases' Close does, so that bytes/flow compare
            return new BenchResult(Name, rows, watch.Elapsed, RawInsertCase.FileBytes(path));
        }
        finally
        {
            RawInsertCase.Delete(path);
        }
    }
}
