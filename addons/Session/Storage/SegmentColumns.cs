using Addons.Abstractions.Flows;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>
/// The columns of the segment tables (see <see cref="Segments"/>) after their key <c>seq</c>, and the SQL generated
/// from them: the CREATE TABLE and CREATE INDEX statements, the view's select, the writer's INSERT and UPDATE with
/// their bindings, and the summary select with its reading. A new column is one entry in <see cref="All"/>, plus the
/// migration that adds it to the segments of older files (migrations keep their own, frozen SQL).
/// </summary>
internal static class SegmentColumns
{
    /// <summary>Every column, in table order, which is also the order of the statements' parameters (from ?2) and of the summary select.</summary>
    public static IReadOnlyList<SegmentColumn> All { get; } =
    [
        new("id", "BLOB NOT NULL", Index: null,
            static (statement, index, flow) =>
            {
                Span<byte> id = stackalloc byte[StoredId.Length];
                StoredId.Write(flow.Id, id);
                statement.Bind(index, id);
            },
            static (reader, ordinal, row) => row.Id = StoredId.Read(reader, ordinal)),
        new("timestamp", "INTEGER NOT NULL", Index: "timestamp",
            static (statement, index, flow) => statement.Bind(index, flow.Timestamp),
            static (reader, ordinal, row) => row.Timestamp = reader.GetInt64(ordinal)),
        new("method", "TEXT NOT NULL", Index: "method",
            static (statement, index, flow) => BindText(statement, index, flow, TextColumn.Method),
            static (reader, ordinal, row) => row.Method = row.Texts.Get(reader.GetString(ordinal))),
        new("host", "TEXT NOT NULL", Index: "host",
            static (statement, index, flow) => BindText(statement, index, flow, TextColumn.Host),
            static (reader, ordinal, row) => row.Host = row.Texts.Get(reader.GetString(ordinal))),
        new("url", "TEXT NOT NULL", Index: "url",
            static (statement, index, flow) => BindText(statement, index, flow, TextColumn.Url),
            static (reader, ordinal, row) => row.Url = reader.GetString(ordinal)),
        new("status", "INTEGER", Index: "status",
            static (statement, index, flow) => statement.Bind(index, flow.Status),
            static (reader, ordinal, row) => row.Status = reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal)),
        new("request_size", "INTEGER", Index: "size",
            static (statement, index, flow) => statement.Bind(index, flow.RequestSize),
            static (reader, ordinal, row) => row.RequestSize = reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal)),
        new("response_size", "INTEGER", Index: "size",
            static (statement, index, flow) => statement.Bind(index, flow.ResponseSize),
            static (reader, ordinal, row) => row.ResponseSize = reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal)),
        new("marker", "TEXT NOT NULL DEFAULT ''", Index: null,
            static (statement, index, flow) => BindText(statement, index, flow, TextColumn.Marker),
            static (reader, ordinal, row) => row.Marker = row.Texts.Get(reader.GetString(ordinal))),
        new("error", "INTEGER NOT NULL DEFAULT 0", Index: null,
            static (statement, index, flow) => statement.Bind(index, flow.HasError ? 1 : 0),
            static (reader, ordinal, row) => row.HasError = reader.GetInt64(ordinal) != 0),
        // pretty_url is null when it is the url; pretty_host when the request named no host of its own (Host header).
        new("pretty_url", "TEXT", Index: null,
            static (statement, index, flow) => BindText(statement, index, flow, TextColumn.PrettyUrl),
            static (reader, ordinal, row) => row.PrettyUrl = reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal)),
        new("pretty_host", "TEXT", Index: null,
            static (statement, index, flow) => BindText(statement, index, flow, TextColumn.PrettyHost),
            static (reader, ordinal, row) => row.PrettyHost = reader.IsDBNull(ordinal) ? null : row.Texts.Get(reader.GetString(ordinal))),
    ];

    /// <summary>The column names, comma-separated, in table order.</summary>
    public static string Names { get; } = string.Join(", ", All.Select(c => c.Name));

    /// <summary>The columns a summary is read from, comma-separated; the summary select lists them first.</summary>
    public static string SummaryNames { get; } = string.Join(", ", All.Where(c => c.Read is not null).Select(c => c.Name));

    /// <summary>How many columns <see cref="SummaryNames"/> lists: the ordinal of what a summary select lists after them.</summary>
    public static int SummaryCount { get; } = All.Count(c => c.Read is not null);

    /// <summary>The CREATE TABLE statement of a segment, empty and unindexed.</summary>
    public static string CreateTable(string table) =>
        $"CREATE TABLE {table} (\n    seq INTEGER PRIMARY KEY,\n    {string.Join(",\n    ", All.Select(c => $"{c.Name} {c.Definition}"))}\n)";

    /// <summary>The CREATE INDEX statements of a full segment, one per index key, in the order the keys first appear.</summary>
    public static IEnumerable<string> CreateIndexes(string table) =>
        All.Where(c => c.Index is not null)
            .GroupBy(c => c.Index)
            .Select(index => index.Select(c => c.Name).ToList())
            .Select(names => $"CREATE INDEX IF NOT EXISTS {table}_{string.Join('_', names)} ON {table} ({string.Join(", ", names)})");

    /// <summary>A segment's rows as the view <c>flow</c> unites them.</summary>
    public static string ViewSelect(string table) => $"SELECT seq, {Names} FROM {table}";

    /// <summary>Inserts a segment row: the key as ?1, the columns from ?2 in table order (see <see cref="Bind"/>).</summary>
    public static string Insert(string table) =>
        $"INSERT INTO {table} (seq, {Names}) VALUES ({string.Join(", ", Enumerable.Range(1, All.Count + 1).Select(i => $"?{i}"))})";

    /// <summary>Updates the segment row of key ?1 with the columns from ?2 in table order (see <see cref="Bind"/>).</summary>
    public static string Update(string table) =>
        $"UPDATE {table} SET {string.Join(", ", All.Select((c, i) => $"{c.Name} = ?{i + 2}"))} WHERE seq = ?1";

    /// <summary>Binds every column of <paramref name="flow"/> to <see cref="Insert"/> or <see cref="Update"/>, from parameter 2.</summary>
    public static void Bind(NativeStatement statement, EncodedFlow flow)
    {
        for (var i = 0; i < All.Count; i++)
        {
            All[i].Bind(statement, i + 2, flow);
        }
    }

    /// <summary>A summary from the <see cref="SummaryNames"/> columns the reader's row starts with; <paramref name="row"/> is reused.</summary>
    public static FlowSummary ReadSummary(SqliteDataReader reader, SummaryRow row)
    {
        var ordinal = 0;
        foreach (var column in All)
        {
            if (column.Read is { } read)
            {
                read(reader, ordinal++, row);
            }
        }

        return row.ToSummary();
    }

    private static void BindText(NativeStatement statement, int index, EncodedFlow flow, TextColumn column)
    {
        // The text as the flow captured it in UTF-8, which SQLite stores without converting.
        if (flow.TryGetUtf8(column, out var utf8))
        {
            statement.BindUtf8(index, utf8);
        }
        else
        {
            statement.BindNull(index);
        }
    }
}
