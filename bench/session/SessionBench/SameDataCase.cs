using System.Diagnostics;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Bench;

/// <summary>
/// (b) same data: what the Session writes, written by hand with raw SQLite into one file, the best way found. The same
/// records into a <c>record</c> table (seq, bodies_apart, record), and per flow the same thirteen columns (seq, id,
/// timestamp, method, host, url, status, sizes, marker, error, pretty url and host) into segments of 65,536 rows that
/// get the same six indexes in bulk when full, with the same view over them; the same pragmas and page size. Every
/// column value is computed and UTF-8 encoded before the clock starts, statements are natively bound, and the log is
/// copied into the file on a second connection and thread (<see cref="WalCheckpointer"/>). What is left between this
/// and (c) is the Session's own work: encoding each flow, the queue, the id map and the summaries.
/// </summary>
internal sealed class SameDataCase : IBenchCase
{
    private const int SegmentRows = 65_536;

    private static readonly string[] IndexedColumns = ["timestamp", "method", "host", "url", "status", "request_size, response_size"];

    private const string Columns = "id, timestamp, method, host, url, status, request_size, response_size, marker, error, pretty_url, pretty_host";

    public required string Name { get; init; }

    public int BatchSize { get; init; } = SessionWriterOptions.DefaultBatchSize;

    public long WalRestartBytes { get; init; } = SessionStoreOptions.DefaultWalRestartBytes;

    public BenchResult Run(BenchInput input)
    {
        var path = input.NewDatabasePath("same");
        var values = input.Flows.Select(ColumnValues.Of).ToArray();
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            Execute(connection, $"PRAGMA page_size = {SessionStoreOptions.DefaultPageSize}");
            Execute(connection, "PRAGMA journal_mode = WAL");
            Execute(connection, $"PRAGMA user_version = {SegmentRows}");
            Execute(connection, "PRAGMA synchronous = NORMAL");
            Execute(connection, "PRAGMA wal_autocheckpoint = 0");
            Execute(connection, "CREATE TABLE record (seq INTEGER PRIMARY KEY, bodies_apart INTEGER NOT NULL, record BLOB NOT NULL)");
            Execute(connection, "CREATE TABLE body (flow INTEGER NOT NULL, side INTEGER NOT NULL, content BLOB NOT NULL, PRIMARY KEY (flow, side))");
            Execute(connection, "CREATE TABLE setting (flow_id BLOB NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (flow_id, key)) WITHOUT ROWID");
            var segment = 0;
            CreateSegment(connection, segment);
            using var insertRecord = new NativeStatement(connection, "INSERT INTO record (seq, bodies_apart, record) VALUES (?1, ?2, ?3)");
            var insertColumns = ColumnStatement(connection, segment);
            using var checkpointer = new WalCheckpointer(path, SessionStoreOptions.DefaultPageSize, WalRestartBytes);
            Span<byte> id = stackalloc byte[16];
            var rows = 0L;
            var watch = Stopwatch.StartNew();
            while (rows < input.Rows && watch.Elapsed < input.MaxDuration)
            {
                checkpointer.BeforeWrite();
                using (var transaction = connection.BeginTransaction())
                {
                    // Records first, then column rows, as the store writes a batch.
                    var first = rows;
                    var count = (int)Math.Min(BatchSize, input.Rows - rows);
                    for (var i = 0L; i < count; i++)
                    {
                        insertRecord.Bind(1, first + i + 1);
                        insertRecord.Bind(2, 0L);
                        insertRecord.Bind(3, input.Records[(first + i) % input.Records.Length]);
                        insertRecord.Execute();
                    }

                    for (var i = 0L; i < count; i++)
                    {
                        var seq = first + i + 1;
                        var v = values[(first + i) % values.Length];
                        Guid.NewGuid().TryWriteBytes(id, bigEndian: true, out _);
                        insertColumns.Bind(1, seq);
                        insertColumns.Bind(2, id);
                        insertColumns.Bind(3, UnixTicks.From(input.Start.AddTicks((first + i) * TimeSpan.TicksPerMillisecond)));
                        insertColumns.BindUtf8(4, v.Method);
                        insertColumns.BindUtf8(5, v.Host);
                        insertColumns.BindUtf8(6, v.Url);
                        insertColumns.Bind(7, v.Status);
                        insertColumns.Bind(8, v.RequestSize);
                        insertColumns.Bind(9, v.ResponseSize);
                        insertColumns.BindUtf8(10, v.Marker);
                        insertColumns.Bind(11, v.Error);
                        BindUtf8OrNull(insertColumns, 12, v.PrettyUrl);
                        BindUtf8OrNull(insertColumns, 13, v.PrettyHost);
                        insertColumns.Execute();
                        if (seq % SegmentRows == 0)
                        {
                            // The full segment gets its indexes in bulk, in this transaction; a new one takes the next rows.
                            insertColumns.Dispose();
                            foreach (var columns in IndexedColumns)
                            {
                                Execute(connection, $"CREATE INDEX {Table(segment)}_{columns.Replace(", ", "_", StringComparison.Ordinal)} ON {Table(segment)} ({columns})");
                            }

                            CreateSegment(connection, ++segment);
                            insertColumns = ColumnStatement(connection, segment);
                        }
                    }

                    rows += count;
                    transaction.Commit();
                }

                checkpointer.Committed();
            }

            // Closing copies the rest of the log into the file: part of the time, as for every case.
            checkpointer.Dispose();
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

    private static void BindUtf8OrNull(NativeStatement statement, int index, byte[]? utf8)
    {
        if (utf8 is null)
        {
            statement.BindNull(index);
        }
        else
        {
            statement.BindUtf8(index, utf8);
        }
    }

    private static string Table(int segment) => $"flow_{segment:D5}";

    private static void CreateSegment(SqliteConnection connection, int segment)
    {
        Execute(connection, $"""
            CREATE TABLE {Table(segment)} (
                seq INTEGER PRIMARY KEY, id BLOB NOT NULL, timestamp INTEGER NOT NULL, method TEXT NOT NULL, host TEXT NOT NULL,
                url TEXT NOT NULL, status INTEGER, request_size INTEGER, response_size INTEGER, marker TEXT NOT NULL DEFAULT '',
                error INTEGER NOT NULL DEFAULT 0, pretty_url TEXT, pretty_host TEXT
            )
            """);
        Execute(connection, "DROP VIEW IF EXISTS flow");
        var union = string.Join(" UNION ALL ", Enumerable.Range(0, segment + 1).Select(k => $"SELECT seq, {Columns} FROM {Table(k)}"));
        Execute(connection, $"CREATE VIEW flow AS SELECT c.*, r.bodies_apart, r.record FROM ({union}) c JOIN record r ON r.seq = c.seq");
    }

    private static NativeStatement ColumnStatement(SqliteConnection connection, int segment) => new(connection,
        $"INSERT INTO {Table(segment)} (seq, {Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");

    private static void Execute(SqliteConnection connection, string sql) => RawInsertCase.Execute(connection, sql);

    /// <summary>One input flow's column values, UTF-8 encoded once.</summary>
    private sealed record ColumnValues(byte[] Method, byte[] Host, byte[] Url, long? Status, long? RequestSize, long? ResponseSize, byte[] Marker, long Error, byte[]? PrettyUrl, byte[]? PrettyHost)
    {
        public static ColumnValues Of(HttpFlow flow)
        {
            var summary = FlowSummary.Of(flow);
            return new ColumnValues(
                Encoding.UTF8.GetBytes(summary.Method),
                Encoding.UTF8.GetBytes(summary.Host),
                Encoding.UTF8.GetBytes(summary.Url),
                summary.StatusCode,
                flow.Request.Content?.Length,
                flow.Response?.Content?.Length,
                Encoding.UTF8.GetBytes(summary.Marked),
                summary.HasError ? 1 : 0,
                summary.PrettyUrl == summary.Url ? null : Encoding.UTF8.GetBytes(summary.PrettyUrl),
                summary.PrettyHost is { } host ? Encoding.UTF8.GetBytes(host) : null);
        }
    }
}
