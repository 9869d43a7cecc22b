using Addons.Abstractions.Flows;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>Migration steps that compute new columns from the flows' records.</summary>
internal static class SchemaBackfill
{
    /// <summary>Version 2: the summary columns (marker, error, pretty url and host) of every stored flow, from its record.</summary>
    public static void SummaryColumns(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT seq, record FROM flow";
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = "UPDATE flow SET marker = $marker, error = $error, pretty_url = $pretty_url, pretty_host = $pretty_host WHERE seq = $seq";
        var marker = update.Parameters.Add("$marker", SqliteType.Text);
        var error = update.Parameters.Add("$error", SqliteType.Integer);
        var prettyUrl = update.Parameters.Add("$pretty_url", SqliteType.Text);
        var prettyHost = update.Parameters.Add("$pretty_host", SqliteType.Text);
        var seq = update.Parameters.Add("$seq", SqliteType.Integer);
        var rows = new List<(long Sequence, FlowSummary Summary)>();
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                var flow = FlowCodec.Decode((byte[])reader.GetValue(1), bodiesRequired: false);
                rows.Add((reader.GetInt64(0), FlowSummary.Of(flow)));
            }
        }

        foreach (var (sequence, summary) in rows)
        {
            marker.Value = summary.Marked;
            error.Value = summary.HasError ? 1 : 0;
            prettyUrl.Value = (object?)EncodedFlow.PrettyUrlUnlessUrl(summary) ?? DBNull.Value;
            prettyHost.Value = (object?)summary.PrettyHost ?? DBNull.Value;
            seq.Value = sequence;
            update.ExecuteNonQuery();
        }
    }

    /// <summary>Version 3: the flow table's columns into segments (full ones indexed), then the table gives way to a view.</summary>
    public static void Segments(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var last = connection.CreateCommand();
        last.Transaction = transaction;
        last.CommandText = "SELECT coalesce(max(seq), 0) FROM flow";
        var maxSequence = (long)last.ExecuteScalar()!;
        var rows = Storage.Segments.RowsOf(connection, transaction);
        var segments = Math.Max(1, Storage.Segments.Of(Math.Max(1, maxSequence), rows) + 1);
        foreach (var statement in new[] { "DROP INDEX IF EXISTS flow_seq_id", "DROP INDEX IF EXISTS flow_timestamp", "DROP INDEX IF EXISTS flow_method", "DROP INDEX IF EXISTS flow_host", "DROP INDEX IF EXISTS flow_status", "ALTER TABLE flow RENAME TO flow_v2" })
        {
            Storage.Segments.Execute(connection, transaction, statement);
        }

        for (var segment = 0; segment < segments; segment++)
        {
            var table = Storage.Segments.Table(segment);
            Storage.Segments.Execute(connection, transaction, $"""
                CREATE TABLE {table} (
                    seq INTEGER PRIMARY KEY,
                    id BLOB NOT NULL,
                    timestamp INTEGER NOT NULL,
                    method TEXT NOT NULL,
                    host TEXT NOT NULL,
                    url TEXT NOT NULL,
                    status INTEGER,
                    request_size INTEGER,
                    response_size INTEGER,
                    marker TEXT NOT NULL DEFAULT '',
                    error INTEGER NOT NULL DEFAULT 0,
                    pretty_url TEXT,
                    pretty_host TEXT
                )
                """);
            Storage.Segments.Execute(connection, transaction, "DROP VIEW IF EXISTS flow");
            var union = string.Join(" UNION ALL ", Enumerable.Range(0, segment + 1).Select(k => $"SELECT seq, {V3Columns} FROM {Storage.Segments.Table(k)}"));
            Storage.Segments.Execute(connection, transaction, $"CREATE VIEW flow AS SELECT c.*, r.bodies_apart, r.record FROM ({union}) c JOIN record r ON r.seq = c.seq");
            var first = Storage.Segments.FirstSequence(segment, rows);
            Storage.Segments.Execute(connection, transaction, $"""
                INSERT INTO {table} (seq, {V3Columns})
                SELECT seq, {V3Columns} FROM flow_v2 WHERE seq BETWEEN {first} AND {first + rows - 1}
                """);
            if (segment < segments - 1)
            {
                foreach (var columns in V3IndexedColumns)
                {
                    var name = table + "_" + columns.Replace(", ", "_", StringComparison.Ordinal);
                    Storage.Segments.Execute(connection, transaction, $"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})");
                }
            }
        }

        Storage.Segments.Execute(connection, transaction, "DROP TABLE flow_v2");
    }

    // Version 3's segments, frozen: a file of an older version must become the version 3 file it always became, and
    // any column added later reaches it by its own migration. Do not generate these from SegmentColumns.
    private const string V3Columns = "id, timestamp, method, host, url, status, request_size, response_size, marker, error, pretty_url, pretty_host";

    private static readonly string[] V3IndexedColumns = ["timestamp", "method", "host", "url", "status", "request_size, response_size"];
}
