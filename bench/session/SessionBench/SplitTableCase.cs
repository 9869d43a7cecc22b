using System.Diagnostics;
using Addons.Session.Storage;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Bench;

/// <summary>
/// An exploration of schemas for issue 5's index cost: the records in a table of their own with no index but the
/// rowid, and the order/filter columns (id, timestamp, method, host, url, status, sizes) in a narrow table with all six
/// indexes the issue asks for. With <see cref="SegmentRows"/>, the narrow rows go to a new table every that many rows,
/// unindexed while it fills, and each full one gets its indexes built in bulk (CREATE INDEX sorts once instead of
/// inserting into six B-trees per row); the time for those builds is counted. Natively bound, 10,000 rows per
/// transaction, 16 KiB pages, WAL, NORMAL.
/// </summary>
internal sealed class SplitTableCase : IBenchCase
{
    private static readonly string[] IndexedColumns = ["timestamp", "method", "host", "url", "status", "request_size, response_size"];

    public required string Name { get; init; }

    /// <summary>Rows per narrow table; 0: one narrow table with its indexes from the start.</summary>
    public int SegmentRows { get; init; }

    public int BatchSize { get; init; } = 10_000;

    /// <summary>Whether full segments get their indexes (false: the cost of the narrow rows alone).</summary>
    public bool Indexed { get; init; } = true;

    /// <summary>Whether the narrow rows are written at all (false: the records alone, as (b) at this batch size).</summary>
    public bool Narrow { get; init; } = true;

    /// <summary>SQLite's <c>PRAGMA threads</c>: helper threads its sorter may use for CREATE INDEX.</summary>
    public int Threads { get; init; }

    /// <summary>SQLite's <c>PRAGMA wal_autocheckpoint</c> in pages (1,000 is SQLite's default).</summary>
    public int AutoCheckpoint { get; init; } = 1000;

    /// <summary>SQLite's page cache in KiB.</summary>
    public int CacheKiB { get; init; } = 2000;

    public BenchResult Run(BenchInput input)
    {
        var path = input.NewDatabasePath("split");
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            Execute(connection, "PRAGMA page_size = 16384");
            Execute(connection, "PRAGMA journal_mode = WAL");
            Execute(connection, "PRAGMA synchronous = NORMAL");
            Execute(connection, $"PRAGMA threads = {Threads}");
            Execute(connection, $"PRAGMA wal_autocheckpoint = {AutoCheckpoint}");
            Execute(connection, $"PRAGMA cache_size = -{CacheKiB}");
            Execute(connection, "CREATE TABLE record (seq INTEGER PRIMARY KEY, record BLOB NOT NULL)");
            var segment = 0;
            CreateSegment(connection, segment, indexed: SegmentRows == 0);
            using var insertRecord = new NativeStatement(connection, "INSERT INTO record (seq, record) VALUES (?1, ?2)");
            var insertColumns = ColumnStatement(connection, segment);
            var id = new byte[16];
            var rows = 0L;
            var watch = Stopwatch.StartNew();
            while (rows < input.Rows && watch.Elapsed < input.MaxDuration)
            {
                using (var transaction = connection.BeginTransaction())
                {
                    for (var i = 0; i < BatchSize && rows < input.Rows; i++, rows++)
                    {
                        var flow = input.Flows[rows % input.Flows.Length];
                        var seq = rows + 1;
                        insertRecord.Bind(1, seq);
                        insertRecord.Bind(2, input.Records[rows % input.Records.Length]);
                        insertRecord.Execute();
                        if (!Narrow)
                        {
                            continue;
                        }

                        Guid.NewGuid().TryWriteBytes(id, bigEndian: true, out _);
                        insertColumns.Bind(1, seq);
                        insertColumns.Bind(2, id);
                        insertColumns.Bind(3, input.Start.AddTicks(rows * TimeSpan.TicksPerMillisecond).UtcTicks);
                        insertColumns.Bind(4, flow.Request.Method);
                        insertColumns.Bind(5, flow.Request.Host);
                        insertColumns.Bind(6, flow.Request.Url);
                        insertColumns.Bind(7, flow.Response?.StatusCode);
                        insertColumns.Bind(8, flow.Request.Content?.Length);
                        insertColumns.Bind(9, flow.Response?.Content?.Length);
                        insertColumns.Execute();
                        if (SegmentRows > 0 && seq % SegmentRows == 0)
                        {
                            // The full segment is indexed in bulk and a new one takes the next rows.
                            insertColumns.Dispose();
                            foreach (var columns in Indexed ? IndexedColumns : [])
                            {
                                Execute(connection, $"CREATE INDEX flow_{segment}_{columns.Replace(", ", "_", StringComparison.Ordinal)} ON flow_{segment} ({columns})");
                            }

                            CreateSegment(connection, ++segment, indexed: false);
                            insertColumns = ColumnStatement(connection, segment);
                        }
                    }

                    transaction.Commit();
                }
            }

            if (AutoCheckpoint == 0)
            {
                // Whatever the background checkpoints left in the WAL is copied now, inside the measured time.
                var wal = new FileInfo(path + "-wal").Length;
                var before = watch.Elapsed;
                Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");
                Console.Error.WriteLine($"{Name}: WAL {wal / 1048576.0:N0} MiB at the end, final checkpoint {(watch.Elapsed - before).TotalSeconds:N2} s");
            }

            insertColumns.Dispose();
            insertRecord.Dispose();
            connection.Close();
            watch.Stop();
            return new BenchResult(Name, rows, watch.Elapsed, RawInsertCase.FileBytes(path));
        }
        finally
        {
            RawInsertCase.Delete(path);
        }
    }

    private static void CreateSegment(SqliteConnection connection, int segment, bool indexed)
    {
        Execute(connection, $"CREATE TABLE flow_{segment} (seq INTEGER PRIMARY KEY, id BLOB NOT NULL, timestamp INTEGER NOT NULL, method TEXT NOT NULL, host TEXT NOT NULL, url TEXT NOT NULL, status INTEGER, request_size INTEGER, response_size INTEGER)");
        if (indexed)
        {
            foreach (var columns in IndexedColumns)
            {
                Execute(connection, $"CREATE INDEX flow_{segment}_{columns.Replace(", ", "_", StringComparison.Ordinal)} ON flow_{segment} ({columns})");
            }
        }
    }

    private static NativeStatement ColumnStatement(SqliteConnection connection, int segment) => new(connection,
        $"INSERT INTO flow_{segment} (seq, id, timestamp, method, host, url, status, request_size, response_size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
