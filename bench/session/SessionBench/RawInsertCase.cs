using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Bench;

/// <summary>
/// Inserts the codec's records straight through Microsoft.Data.Sqlite with one prepared INSERT, <see cref="BatchSize"/>
/// rows per transaction (1 = case (a), one transaction per flow). The knobs are what (b) explores.
/// </summary>
internal sealed class RawInsertCase : IBenchCase
{
    public required string Name { get; init; }

    public int PageSize { get; init; } = 16384;

    public string JournalMode { get; init; } = "WAL";

    public string Synchronous { get; init; } = "NORMAL";

    public RowKey Key { get; init; } = RowKey.Rowid;

    public int BatchSize { get; init; } = 1000;

    /// <summary>Whether rows also carry the store's order/filter columns (timestamp, method, host, url, status, sizes).</summary>
    public bool Columns { get; init; }

    /// <summary>The indexes on those columns, each a column list such as <c>url</c> or <c>request_size, response_size</c>.</summary>
    public IReadOnlyList<string> Indexes { get; init; } = [];

    /// <summary>SQLite's page cache in KiB (SQLite's default is 2,000 KiB).</summary>
    public int CacheKiB { get; init; } = 2000;

    /// <summary>
    /// Bind and step through SQLite's native statement API (<see cref="NativeStatement"/>, what the store uses) instead
    /// of Microsoft.Data.Sqlite's <see cref="SqliteCommand"/>.
    /// </summary>
    public bool Native { get; init; }

    /// <summary>Rows per INSERT statement (<c>VALUES (...), (...)</c>; with <see cref="Native"/> only), so that SQLite keeps its cursors across rows.</summary>
    public int RowsPerStatement { get; init; } = 1;

    /// <summary>
    /// Copy the log into the file on a second connection and thread, as the store does (<see cref="Storage.WalCheckpointer"/>,
    /// its default restart size), instead of SQLite's checkpoints on the inserting thread.
    /// </summary>
    public bool BackgroundCheckpoints { get; init; }

    /// <summary>With <see cref="BackgroundCheckpoints"/>: the log size above which the writer lets the copy catch up and restarts the log.</summary>
    public long WalRestartBytes { get; init; } = Storage.SessionStoreOptions.DefaultWalRestartBytes;

    public BenchResult Run(BenchInput input)
    {
        var path = input.NewDatabasePath("raw");
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            Execute(connection, $"PRAGMA page_size = {PageSize}");
            Execute(connection, $"PRAGMA journal_mode = {JournalMode}");
            Execute(connection, $"PRAGMA synchronous = {Synchronous}");
            Execute(connection, $"PRAGMA cache_size = -{CacheKiB}");
            var columns = Columns ? ", timestamp INTEGER, method TEXT, host TEXT, url TEXT, status INTEGER, request_size INTEGER, response_size INTEGER" : "";
            Execute(connection, Key switch
            {
                RowKey.Rowid => $"CREATE TABLE flow (seq INTEGER PRIMARY KEY{columns}, record BLOB NOT NULL)",
                RowKey.RandomUuidPrimaryKey => $"CREATE TABLE flow (id BLOB PRIMARY KEY{columns}, record BLOB NOT NULL) WITHOUT ROWID",
                _ => $"CREATE TABLE flow (seq INTEGER PRIMARY KEY, id BLOB NOT NULL{columns}, record BLOB NOT NULL)",
            });
            if (Key is RowKey.RandomUuidUniqueIndex or RowKey.TimeOrderedUuidUniqueIndex)
            {
                Execute(connection, "CREATE UNIQUE INDEX flow_id ON flow (id)");
            }

            if (Key == RowKey.RowidWithIdColumn)
            {
                // The covering index in insertion order that the store reads to map ids to rows.
                Execute(connection, "CREATE INDEX flow_seq_id ON flow (seq, id)");
            }

            foreach (var column in Indexes)
            {
                Execute(connection, $"CREATE INDEX flow_{column.Replace(", ", "_", StringComparison.Ordinal)} ON flow ({column})");
            }

            using var insert = connection.CreateCommand();
            var hasId = Key != RowKey.Rowid;
            insert.CommandText = $"INSERT INTO flow ({(hasId ? "id, " : "")}{(Columns ? "timestamp, method, host, url, status, request_size, response_size, " : "")}record) " +
                $"VALUES ({(hasId ? "$id, " : "")}{(Columns ? "$timestamp, $method, $host, $url, $status, $request_size, $response_size, " : "")}$record)";
            var id = insert.Parameters.Add("$id", SqliteType.Blob);
            var timestamp = insert.Parameters.Add("$timestamp", SqliteType.Integer);
            var method = insert.Parameters.Add("$method", SqliteType.Text);
            var host = insert.Parameters.Add("$host", SqliteType.Text);
            var url = insert.Parameters.Add("$url", SqliteType.Text);
            var status = insert.Parameters.Add("$status", SqliteType.Integer);
            var requestSize = insert.Parameters.Add("$request_size", SqliteType.Integer);
            var responseSize = insert.Parameters.Add("$response_size", SqliteType.Integer);
            var record = insert.Parameters.Add("$record", SqliteType.Blob);
            if (!hasId)
            {
                insert.Parameters.Remove(id);
            }

            if (!Columns)
            {
                foreach (var p in new[] { timestamp, method, host, url, status, requestSize, responseSize })
                {
                    insert.Parameters.Remove(p);
                }
            }

            insert.Prepare();
            if (RowsPerStatement > 1 && (!Native || BatchSize % RowsPerStatement != 0 || input.Rows % RowsPerStatement != 0))
            {
                throw new InvalidOperationException($"{Name}: several rows per statement need native binding and batches and rows that are multiples of them.");
            }

            var perRow = insert.Parameters.Count;
            var values = "(" + string.Join(", ", Enumerable.Repeat("?", perRow)) + ")";
            using var native = !Native ? null : RowsPerStatement == 1 ? new Storage.NativeStatement(connection, insert.CommandText)
                : new Storage.NativeStatement(connection, insert.CommandText[..insert.CommandText.IndexOf("VALUES", StringComparison.Ordinal)] + "VALUES " + string.Join(", ", Enumerable.Repeat(values, RowsPerStatement)));
            var ids = new byte[16];
            var rows = 0L;
            var checkpointer = BackgroundCheckpoints ? new Storage.WalCheckpointer(path, PageSize, WalRestartBytes) : null;
            if (checkpointer is not null)
            {
                Execute(connection, "PRAGMA wal_autocheckpoint = 0");
            }

            var watch = Stopwatch.StartNew();
            while (rows < input.Rows && watch.Elapsed < input.MaxDuration)
            {
                checkpointer?.BeforeWrite();
                using var transaction = BatchSize > 1 ? connection.BeginTransaction() : null;
                insert.Transaction = transaction;
                for (var i = 0; i < BatchSize && rows < input.Rows; i++, rows++)
                {
                    var flow = input.Flows[rows % input.Flows.Length];
                    var recordBytes = input.Records[rows % input.Records.Length];
                    if (hasId)
                    {
                        var guid = Key == RowKey.TimeOrderedUuidUniqueIndex ? Guid.CreateVersion7() : Guid.NewGuid();
                        guid.TryWriteBytes(ids, bigEndian: true, out _);
                    }

                    var createdTicks = input.Start.AddTicks(rows * TimeSpan.TicksPerMillisecond).UtcTicks;
                    if (native is not null)
                    {
                        // Parameters in the INSERT's order: [id], [the seven columns], record; row i of a statement after i rows' worth.
                        var n = 1 + ((i % RowsPerStatement) * perRow);
                        if (hasId)
                        {
                            native.Bind(n++, ids);
                        }

                        if (Columns)
                        {
                            native.Bind(n++, createdTicks);
                            native.Bind(n++, flow.Request.Method);
                            native.Bind(n++, flow.Request.Host);
                            native.Bind(n++, flow.Request.Url);
                            native.Bind(n++, flow.Response?.StatusCode);
                            native.Bind(n++, flow.Request.Content?.Length);
                            native.Bind(n++, flow.Response?.Content?.Length);
                        }

                        native.Bind(n, recordBytes);
                        if ((i + 1) % RowsPerStatement == 0)
                        {
                            native.Execute();
                        }

                        continue;
                    }

                    if (hasId)
                    {
                        id.Value = ids;
                    }

                    if (Columns)
                    {
                        timestamp.Value = createdTicks;
                        method.Value = flow.Request.Method;
                        host.Value = flow.Request.Host;
                        url.Value = flow.Request.Url;
                        status.Value = flow.Response?.StatusCode;
                        requestSize.Value = flow.Request.Content?.Length;
                        responseSize.Value = flow.Response?.Content?.Length;
                    }

                    record.Value = recordBytes;
                    insert.ExecuteNonQuery();
                }

                transaction?.Commit();
                checkpointer?.Committed();
            }

            // Closing copies the rest of the log into the file: part of the time, as for every case. The statements go
            // first: SQLite closes a connection (and checkpoints) only once its statements are finalized.
            checkpointer?.Dispose();
            native?.Dispose();
            insert.Dispose();
            connection.Close();
            watch.Stop();
            return new BenchResult(Name, rows, watch.Elapsed, FileBytes(path));
        }
        finally
        {
            Delete(path);
        }
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static long FileBytes(string path) =>
        new[] { path, path + "-wal" }.Where(File.Exists).Sum(p => new FileInfo(p).Length);

    internal static void Delete(string path)
    {
        foreach (var p in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            File.Delete(p);
        }
    }
}
