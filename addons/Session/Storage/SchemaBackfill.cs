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
            Storage.Segments.Create(connection, transaction, segment);
            var first = Storage.Segments.FirstSequence(segment, rows);
            Storage.Segments.Execute(connection, transaction, $"""
                INSERT INTO {Storage.Segments.Table(segment)} (seq, {Storage.Segments.Columns})
                SELECT seq, {Storage.Segments.Columns} FROM flow_v2 WHERE seq BETWEEN {first} AND {first + rows - 1}
                """);
            if (segment < segments - 1)
            {
                Storage.Segments.Index(connection, transaction, segment);
            }
        }

        Storage.Segments.Execute(connection, transaction, "DROP TABLE flow_v2");
    }
}
