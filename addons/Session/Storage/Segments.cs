using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>
/// The flows' order and filter columns (<see cref="SegmentColumns"/>) live in segment tables of a fixed number of rows
/// each (the file's <c>PRAGMA user_version</c>; <see cref="DefaultRows"/> when 0), by row key: segment k holds seq
/// k·rows+1 to (k+1)·rows. The segment being filled has no index but its key, so that an insert touches one B-tree;
/// when it is full, its indexes are built at once, which sorts once instead of inserting into every index B-tree per
/// row (bench/session, (s) cases: all six indexes at 66% of the raw insert rate, against 34% kept per row). The view <c>flow</c> joins them for ad-hoc SQL.
/// </summary>
internal static class Segments
{
    /// <summary>Rows per segment unless the file says otherwise.</summary>
    public const int DefaultRows = 65_536;

    public static int Of(long sequence, int rows) => (int)((sequence - 1) / rows);

    public static long FirstSequence(int segment, int rows) => ((long)segment * rows) + 1;

    /// <summary>The file's rows per segment.</summary>
    public static int RowsOf(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        var rows = (long)command.ExecuteScalar()!;
        return rows > 0 ? (int)rows : DefaultRows;
    }

    public static string Table(int segment) => "flow_" + segment.ToString("D5", CultureInfo.InvariantCulture);

    /// <summary>Creates segment <paramref name="segment"/>, empty and unindexed, and makes the view include it.</summary>
    public static void Create(SqliteConnection connection, SqliteTransaction? transaction, int segment)
    {
        Execute(connection, transaction, SegmentColumns.CreateTable(Table(segment)));
        CreateView(connection, transaction, segment + 1);
    }

    /// <summary>Builds the indexes of a full segment.</summary>
    public static void Index(SqliteConnection connection, SqliteTransaction? transaction, int segment)
    {
        foreach (var sql in SegmentColumns.CreateIndexes(Table(segment)))
        {
            Execute(connection, transaction, sql);
        }
    }

    /// <summary>How many segments the file has (segments are numbered from 0 without gaps).</summary>
    public static int Count(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name GLOB 'flow_[0-9][0-9][0-9][0-9][0-9]'";
        return (int)(long)command.ExecuteScalar()!;
    }

    /// <summary>The view <c>flow</c>: every segment's columns with the record's, for people querying the file.</summary>
    private static void CreateView(SqliteConnection connection, SqliteTransaction? transaction, int segments)
    {
        Execute(connection, transaction, "DROP VIEW IF EXISTS flow");
        var union = string.Join(" UNION ALL ", Enumerable.Range(0, segments).Select(k => SegmentColumns.ViewSelect(Table(k))));
        Execute(connection, transaction, $"CREATE VIEW flow AS SELECT c.*, r.bodies_apart, r.record FROM ({union}) c JOIN record r ON r.seq = c.seq");
    }

    /// <summary>Runs one statement in the given transaction (null: none).</summary>
    public static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
