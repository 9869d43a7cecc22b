using System.Globalization;
using Addons.Session;
using Addons.Session.Bench;
using Addons.Session.Storage;

// Usage: SessionBench [--rows N] [--seconds S] [--repeat R] [--explore] [--only TEXT]
//        SessionBench --restore N   (writes N flows, then times reading them all back as a restore does)
//        SessionBench --restore N --hot H   (the same file restored by the View and Session addons with session_hot_flows H)
//        SessionBench --encode N   (what queueing a flow costs the hook's thread: N records encoded, N flows captured, one core)
//   (a) one transaction per flow, (b) the best raw batched insert of the same records, (b=) the same data the store
//   writes (records, columns in segments, their indexes) written raw the best way, SessionStore.WriteBatch and (c),
//   each inserting N synthetic ~2 KB flows (or stopping after S seconds) into a fresh file; flows/s and ratios.
//   --repeat runs the whole list R times, interleaved, and reports each case's median (the disk is noisy).
//   --explore adds every (b) variant tried (page size, journal, synchronous, batch size, row key, indexes).
//   --only keeps the cases whose name contains TEXT, or one of TEXT's |-separated parts (besides (a), (b), the store
//   and (c), which the ratios need). --profile TEXT runs only the matching cases, without ratios (to run under perf).
var rows = 200_000;
var seconds = 10.0;
var repeat = 1;
var explore = false;
string? only = null;
var profile = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--rows":
            rows = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--seconds":
            seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--repeat":
            repeat = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--explore":
            explore = true;
            break;
        case "--only":
            only = args[++i];
            break;
        case "--profile":
            only = args[++i];
            profile = true;
            break;
        case "--encode":
            return EncodeBench.Run(int.Parse(args[++i], CultureInfo.InvariantCulture));
        case "--restore":
            var count = int.Parse(args[++i], CultureInfo.InvariantCulture);
            return i + 2 < args.Length && args[i + 1] == "--hot"
                ? ColdRestoreBench.Run(count, int.Parse(args[i + 2], CultureInfo.InvariantCulture))
                : RestoreBench.Run(count);
        default:
            Console.Error.WriteLine($"Unknown argument {args[i]}; usage: SessionBench [--rows N] [--seconds S] [--repeat R] [--explore] [--only TEXT]");
            return 2;
    }
}

var a = new RawInsertCase { Name = "(a) one transaction per flow (16 KiB pages, WAL, NORMAL, rowid key)", BatchSize = 1 };

// The naive baseline the 2018 session started from: one INSERT and commit per flow with SQLite's defaults (rollback
// journal, synchronous FULL, 4 KiB pages), so each flow waits for the disk. Reported beside (a), which tunes the pragmas.
var a0 = new RawInsertCase
{
    Name = "(a0) one transaction per flow, SQLite defaults (4 KiB pages, rollback journal, synchronous FULL)",
    BatchSize = 1,
    PageSize = 4096,
    JournalMode = "DELETE",
    Synchronous = "FULL",
};
var b = new RawInsertCase { Name = "(b) raw batched insert (16 KiB pages, WAL, NORMAL, rowid key, 1000 flows/tx)" };

// The best raw inserts found: the same records natively bound, with the log copied into the file on a second
// connection and thread as the store does (Storage.WalCheckpointer), at 10,000 or 2,000 flows per transaction and two
// log restart sizes. Each run takes the fastest of them (by median) as (b) best for the ratios.
var bBestCandidates = new List<RawInsertCase>
{
    new() { Name = "(b) best? background checkpoints, native binding, 10000 flows/tx, log restarted above 1 GiB", BackgroundCheckpoints = true, Native = true, BatchSize = 10_000, WalRestartBytes = 1L << 30 },
    new() { Name = "(b) best? background checkpoints, native binding, 10000 flows/tx, log restarted above 64 MiB", BackgroundCheckpoints = true, Native = true, BatchSize = 10_000, WalRestartBytes = 64L << 20 },
    new() { Name = "(b) best? background checkpoints, native binding, 2000 flows/tx, log restarted above 64 MiB", BackgroundCheckpoints = true, Native = true, BatchSize = 2000, WalRestartBytes = 64L << 20 },
};
// Issue 21's baseline: the same data the Session writes (records, the thirteen columns in segments, the six indexes
// built in bulk) into the same single file, raw, the best way found; each run takes the fastest configuration.
var sameCandidates = new List<SameDataCase>
{
    new() { Name = "(b=) same data, raw: 2000 flows/tx, log restarted above 256 MiB (the store's settings)" },
    new() { Name = "(b=) same data, raw: 2000 flows/tx, log restarted above 64 MiB", WalRestartBytes = 64L << 20 },
    new() { Name = "(b=) same data, raw: 10000 flows/tx, log restarted above 64 MiB", BatchSize = 10_000, WalRestartBytes = 64L << 20 },
};
var store = new SessionStoreCase { Name = $"SessionStore.WriteBatch (full schema, {SessionWriterOptions.DefaultBatchSize} flows/tx, the writer's batch)" };
var c = new PipelineCase { Name = $"(c) Session pipeline: hook queue ({SessionWriterOptions.DefaultQueueCapacity}) -> batched writer -> committed ({SessionWriterOptions.DefaultBatchSize} flows/tx)" };
var cases = new List<IBenchCase> { a0, a, b };
cases.AddRange(bBestCandidates);
cases.AddRange(sameCandidates);
cases.AddRange([store, c]);
if (explore)
{
    cases.AddRange(
    [
        new RawInsertCase { Name = "(b) page size 4 KiB", PageSize = 4096 },
        new RawInsertCase { Name = "(b) page size 8 KiB", PageSize = 8192 },
        new RawInsertCase { Name = "(b) page size 32 KiB", PageSize = 32768 },
        new RawInsertCase { Name = "(b) page size 64 KiB", PageSize = 65536 },
        new RawInsertCase { Name = "(b) rollback journal (DELETE) instead of WAL", JournalMode = "DELETE" },
        new RawInsertCase { Name = "(b) synchronous FULL", Synchronous = "FULL" },
        new RawInsertCase { Name = "(b) synchronous OFF (not durable)", Synchronous = "OFF" },
        new RawInsertCase { Name = "(b) native binding (SQLite's statement API)", Native = true },
        new RawInsertCase { Name = "(b) native binding, 10000 flows/tx", Native = true, BatchSize = 10_000 },
        new RawInsertCase { Name = "(b) + id column, columns and the store's 4 indexes, native binding, 10000 flows/tx", Key = RowKey.RowidWithIdColumn, Columns = true, Indexes = ["timestamp", "method", "host", "status"], Native = true, BatchSize = 10_000 },
        new RawInsertCase { Name = "(b) 100 flows/tx", BatchSize = 100 },
        new RawInsertCase { Name = "(b) 2000 flows/tx", BatchSize = 2000 },
        new RawInsertCase { Name = "(b) 5000 flows/tx", BatchSize = 5000 },
        new RawInsertCase { Name = "(b) 10000 flows/tx", BatchSize = 10_000 },
        new RawInsertCase { Name = "(b) 20000 flows/tx", BatchSize = 20_000 },
        new RawInsertCase { Name = "(b) + id column and (seq, id) index (the store's id map)", Key = RowKey.RowidWithIdColumn },
        new RawInsertCase { Name = "(b) + UUIDv4 id under a UNIQUE index", Key = RowKey.RandomUuidUniqueIndex },
        new RawInsertCase { Name = "(b) + UUIDv4 id under a UNIQUE index, 64 MiB cache", Key = RowKey.RandomUuidUniqueIndex, CacheKiB = 65536 },
        new RawInsertCase { Name = "(b) + UUIDv7 id under a UNIQUE index", Key = RowKey.TimeOrderedUuidUniqueIndex },
        new RawInsertCase { Name = "(b) UUIDv4 id as PRIMARY KEY, WITHOUT ROWID", Key = RowKey.RandomUuidPrimaryKey },
        new RawInsertCase { Name = "(b) + order/filter columns, no index", Columns = true },
        new RawInsertCase { Name = "(b) + columns, index timestamp", Columns = true, Indexes = ["timestamp"] },
        new RawInsertCase { Name = "(b) + columns, index method", Columns = true, Indexes = ["method"] },
        new RawInsertCase { Name = "(b) + columns, index host", Columns = true, Indexes = ["host"] },
        new RawInsertCase { Name = "(b) + columns, index status", Columns = true, Indexes = ["status"] },
        new RawInsertCase { Name = "(b) + columns, index url", Columns = true, Indexes = ["url"] },
        new RawInsertCase { Name = "(b) + columns, index sizes", Columns = true, Indexes = ["request_size, response_size"] },
        new RawInsertCase { Name = "(b) + columns, the store's 4 indexes", Columns = true, Indexes = ["timestamp", "method", "host", "status"] },
        new RawInsertCase { Name = "(b) + id column, columns and the store's 4 indexes (the store's schema)", Key = RowKey.RowidWithIdColumn, Columns = true, Indexes = ["timestamp", "method", "host", "status"] },
        new RawInsertCase { Name = "(b) + columns, all 6 indexes", Columns = true, Indexes = ["timestamp", "method", "host", "url", "status", "request_size, response_size"] },
        // What each index costs at the writer's batch size, with the store's binding: the store's key (rowid plus an id
        // column under the (seq, id) index) and columns, then one index at a time, the store's four, all six.
        new RawInsertCase { Name = "(b) native binding, 10000 flows/tx, 50 rows per INSERT", Native = true, BatchSize = 10_000, RowsPerStatement = 50 },
        new RawInsertCase { Name = "(i) native, 10000/tx, 50 rows per INSERT: (seq, id) + the store's 4 (the store's schema)", Key = RowKey.RowidWithIdColumn, Columns = true, Native = true, BatchSize = 10_000, RowsPerStatement = 50, Indexes = ["timestamp", "method", "host", "status"] },
        new RawInsertCase { Name = "(i) native, 10000/tx: + id column, (seq, id) index, columns, no other index", Key = RowKey.RowidWithIdColumn, Columns = true, Native = true, BatchSize = 10_000 },
        new RawInsertCase { Name = "(i) native, 10000/tx: + id column (no index), columns, no index", Key = RowKey.RowidWithUnindexedIdColumn, Columns = true, Native = true, BatchSize = 10_000 },
        new RawInsertCase { Name = "(i) native, 10000/tx: (seq, id) + timestamp", Key = RowKey.RowidWithIdColumn, Columns = true, Native = true, BatchSize = 10_000, Indexes = ["timestamp"] },
        new RawInsertCase { Name = "(i) native, 10000/tx: (seq, id) + method", Key = RowKey.RowidWithIdColumn, Columns = true, Native = true, BatchSize = 10_000, Indexes = ["method"] },
        new RawInsertCase { Name = "(i) native, 10000/tx: (seq, id) + host", Key = RowKey.RowidWithIdColumn, Columns = true, Native = true, BatchSize = 10_000, Indexes = ["host"] },
        new RawInsertCase { Name = "(i) native, 10000/tx: (seq, id) + status", Key = RowKey.RowidWithIdColumn, Columns = true, Native = true, BatchSize = 10_000, Indexes = ["status"] },
        new RawInsertCase { Name = "(i) native, 10000/tx: (seq, id) + url", Key = RowKey.RowidWithIdColumn, Columns = true, Native = true, BatchSize = 10_000, Indexes = ["url"] },
        new RawInsertCase { Name = "(i) native, 10000/tx: (seq, id) + sizes", Key = RowKey.RowidWithIdColumn, Columns = true, Native = true, BatchSize = 10_000, Indexes = ["request_size, response_size"] },
        new RawInsertCase { Name = "(i) native, 10000/tx: (seq, id) + the store's 4 (the store's schema)", Key = RowKey.RowidWithIdColumn, Columns = true, Native = true, BatchSize = 10_000, Indexes = ["timestamp", "method", "host", "status"] },
        new RawInsertCase { Name = "(i) native, 10000/tx: the store's 4 without (seq, id)", Key = RowKey.RowidWithUnindexedIdColumn, Columns = true, Native = true, BatchSize = 10_000, Indexes = ["timestamp", "method", "host", "status"] },
        new RawInsertCase { Name = "(i) native, 10000/tx: (seq, id) + all 6", Key = RowKey.RowidWithIdColumn, Columns = true, Native = true, BatchSize = 10_000, Indexes = ["timestamp", "method", "host", "url", "status", "request_size, response_size"] },
        new BackgroundCheckpointCase(b),
        new BackgroundCheckpointCase(store),
        new BackgroundCheckpointCase(c),
        new SplitTableCase { Name = "(s) records apart, narrow column table with all 6 indexes kept per row" },
        new SplitTableCase { Name = "(s) records apart, narrow column segments of 65,536 rows indexed (all 6) in bulk when full", SegmentRows = 65_536 },
        new SplitTableCase { Name = "(s) records apart, narrow column segments of 16,384 rows indexed (all 6) in bulk when full", SegmentRows = 16_384 },
        // What the narrow rows and the index builds cost on the writer, in raw SQL with SQLite's checkpoints.
        new SplitTableCase { Name = "(x) records alone, native, 10000/tx", Narrow = false },
        new SplitTableCase { Name = "(x) segments, no index", SegmentRows = 65_536, Indexed = false },
        new SplitTableCase { Name = "(x) segments, 6 indexes", SegmentRows = 65_536 },
        new SplitTableCase { Name = "(x) segments, 6 indexes, PRAGMA threads 1", SegmentRows = 65_536, Threads = 1 },
        new SplitTableCase { Name = "(x) segments, 6 indexes, 16 MiB cache", SegmentRows = 65_536, CacheKiB = 16384 },
        // The first attempt at moving checkpoints off the writer: autocheckpoint off and a second connection copying
        // every 20 ms, without restarting the log; it prints how large the log grew.
        new BackgroundCheckpointCase(new SplitTableCase { Name = "(x) records alone, no autocheckpoint, log never restarted", Narrow = false, AutoCheckpoint = 0 }),
        new RawInsertCase { Name = "(b) with the store's background checkpoints", BackgroundCheckpoints = true },
        new SessionStoreCase { Name = "SessionStore, SQLite's checkpoints on the writer's thread", WalRestartBytes = null },
        new SessionStoreCase { Name = "SessionStore, log restarted above 1 GiB", WalRestartBytes = 1L << 30 },
        new SessionStoreCase { Name = "SessionStore, log restarted above 16 MiB", WalRestartBytes = 16L << 20 },
        new PipelineCase { Name = "(c) pipeline, SQLite's checkpoints on the writer's thread", WalRestartBytes = null },
        new PipelineCase { Name = "(c) pipeline, log restarted above 512 MiB", WalRestartBytes = 512L << 20 },
        new SessionStoreCase { Name = "SessionStore, 32 KiB pages", PageSize = 32768 },
        new SessionStoreCase { Name = "SessionStore, 64 KiB pages", PageSize = 65536 },
        new SessionStoreCase { Name = "SessionStore, 100 flows/tx", BatchSize = 100 },
        new SessionStoreCase { Name = "SessionStore, 2000 flows/tx", BatchSize = 2000 },
        new SessionStoreCase { Name = "SessionStore, 5000 flows/tx", BatchSize = 5000 },
        new SessionStoreCase { Name = "SessionStore, 1000 flows/tx", BatchSize = 1000 },
        new SessionStoreCase { Name = "SessionStore, 20000 flows/tx", BatchSize = 20_000 },
        new PipelineCase { Name = "(c) pipeline, 5000 flows/tx", BatchSize = 5000 },
        new PipelineCase { Name = "(c) pipeline, 1000 flows/tx", BatchSize = 1000 },
        new PipelineCase { Name = "(c) pipeline, 20000 flows/tx", BatchSize = 20_000 },
        // The log's restart size with the writer's batches of 2,000 (each restart waits for the copy of one batch).
        new PipelineCase { Name = "(w) pipeline, log restarted above 32 MiB", WalRestartBytes = 32L << 20 },
        new PipelineCase { Name = "(w) pipeline, log restarted above 64 MiB", WalRestartBytes = 64L << 20 },
        new PipelineCase { Name = "(w) pipeline, log restarted above 1 GiB (the earlier default)", WalRestartBytes = 1L << 30 },
        // What the pipeline holds: at full speed its queue stays full, and each queued flow is a ~2 KB record written on
        // the producer's thread and read on the writer's. The earlier defaults, and the earlier input of (c): 32,768
        // distinct flow objects (~100 MB) where the other cases cycle through 4,096.
        new PipelineCase { Name = "(q) pipeline, 1000 flows/tx, queue 2000", BatchSize = 1000, QueueCapacity = 2000 },
        new PipelineCase { Name = "(q) pipeline, 2000 flows/tx, queue 4000", BatchSize = 2000, QueueCapacity = 4000 },
        new PipelineCase { Name = "(q) pipeline, 2000 flows/tx, queue 8000 (the defaults)", BatchSize = 2000, QueueCapacity = 8000 },
        new PipelineCase { Name = "(q) pipeline, 10000 flows/tx, queue 20000 (the bench's earlier (c))", BatchSize = 10_000, QueueCapacity = 20_000 },
        new PipelineCase { Name = "(q) pipeline, 10000 flows/tx, queue 100000 (the earlier defaults)", BatchSize = 10_000, QueueCapacity = 100_000 },
        new PipelineCase { Name = "(q) pipeline, the defaults, cold input", Pool = 32 * 1024 },
        new PipelineCase { Name = "(q) pipeline, 10000 flows/tx, queue 20000, cold input, log restarted above 1 GiB (the earlier (c), exactly)", BatchSize = 10_000, QueueCapacity = 20_000, Pool = 32 * 1024, WalRestartBytes = 1L << 30 },
    ]);
}

if (rows <= 0 || seconds <= 0 || repeat <= 0)
{
    Console.Error.WriteLine("--rows, --seconds and --repeat must be positive.");
    return 2;
}

if (only is not null)
{
    var wanted = only.Split('|');
    cases.RemoveAll(x => (profile || (x != a0 && x != a && x != b && !bBestCandidates.Contains(x) && !sameCandidates.Contains(x) && x != store && x != c)) && !wanted.Any(w => x.Name.Contains(w, StringComparison.OrdinalIgnoreCase)));
}

var directory = Directory.CreateTempSubdirectory("session-bench-").FullName;
try
{
    var flows = SyntheticFlows.CreateMany(4096);
    var input = new BenchInput(flows, SyntheticFlows.Encode(flows), rows, TimeSpan.FromSeconds(seconds), directory);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{Environment.ProcessorCount} cores; up to {rows:N0} flows per case or {seconds} s; {repeat} round(s); records {input.AverageRecordBytes:N0} bytes on average (body threshold {SessionStoreOptions.DefaultBodyThreshold:N0}); files in {directory}"));
    Console.WriteLine("| case | flows/s | flows | seconds | bytes/flow on disk | CPU µs/flow |");
    Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
    var results = cases.ToDictionary(c => c, _ => new List<BenchResult>());
    for (var round = 0; round < repeat; round++)
    {
        foreach (var benchCase in cases)
        {
            // The process's CPU time (every thread, user and kernel) over the case: on 2 cores the pipeline is bound by
            // its CPU per flow as much as by the writer's thread, and CPU time is steadier than the rate on this machine.
            var cpu = Environment.CpuUsage.TotalTime;
            var result = benchCase.Run(input);
            var cpuPerFlow = (Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds / Math.Max(1, result.Flows);
            results[benchCase].Add(result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {result.Name} | {result.FlowsPerSecond:N0} | {result.Flows:N0} | {result.Elapsed.TotalSeconds:N2} | {result.FileBytes / (double)result.Flows:N0} | {cpuPerFlow:N1} |"));
        }
    }

    double Median(IBenchCase c)
    {
        var sorted = results[c].Select(r => r.FlowsPerSecond).Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    Console.WriteLine();
    if (profile)
    {
        return 0;
    }

    if (repeat > 1)
    {
        Console.WriteLine("| case | median flows/s |");
        Console.WriteLine("| --- | ---: |");
        foreach (var benchCase in cases)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {benchCase.Name} | {Median(benchCase):N0} |"));
        }

        Console.WriteLine();
    }

    var bBest = bBestCandidates.MaxBy(Median)!;
    Console.WriteLine($"(b) best in this run: {bBest.Name}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"(b) best = {Median(bBest):N0} flows/s ({Median(bBest) / Median(b):N2}x (b) with SQLite's checkpoints); (b) best/(a) = {Median(bBest) / Median(a):N1}x; store/(b) best = {Median(store) / Median(bBest):P0}, store/(b) = {Median(store) / Median(b):P0}"));
    var same = sameCandidates.MaxBy(Median)!;
    Console.WriteLine($"(b=) same data in this run: {same.Name}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"(b=) = {Median(same):N0} flows/s; store/(b=) = {Median(store) / Median(same):P0}; (c)/(b=) = {Median(c) / Median(same):P0} (target 85%); (c)/(a0) = {Median(c) / Median(a0):N1}x (target 20x)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"(c)/(b) best = {Median(c) / Median(bBest):P0}; (c)/(b) = {Median(c) / Median(b):P0}; (c)/(a) = {Median(c) / Median(a):N1}x; (c)/(a0) = {Median(c) / Median(a0):N1}x; (c) queue depth in its last run (sampled every 100 ms, capacity {c.QueueCapacity:N0}): min {c.DepthSamples.DefaultIfEmpty().Min():N0}, median {c.DepthSamples.Order().ElementAtOrDefault(c.DepthSamples.Count / 2):N0}, max {c.DepthSamples.DefaultIfEmpty().Max():N0}; {c.AllocatedBytesPerFlow:N0} bytes allocated per flow"));
    return 0;
}
finally
{
    Directory.Delete(directory, recursive: true);
}
