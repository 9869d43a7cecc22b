using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>One column of the segment tables, with everything the SQL and the code around it are generated from.</summary>
/// <param name="Name">The column's name.</param>
/// <param name="Definition">Its type and constraints, as CREATE TABLE declares them after the name.</param>
/// <param name="Index">
/// The index it is in once its segment is full: columns with the same key make one index, in table order; null for none.
/// </param>
/// <param name="Bind">Binds its value, taken from an encoded flow, to the given parameter of a statement.</param>
/// <param name="Read">Reads its value at the given ordinal into a summary row; null for a column summaries do not show.</param>
internal sealed record SegmentColumn(
    string Name,
    string Definition,
    string? Index,
    Action<NativeStatement, int, EncodedFlow> Bind,
    Action<SqliteDataReader, int, SummaryRow>? Read);
