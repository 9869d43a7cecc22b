using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Addons.Session.Storage;

/// <summary>
/// A statement prepared once on a connection's native handle and bound straight from spans. Microsoft.Data.Sqlite
/// binds whole arrays only (a record in a reused buffer would need a copy of its exact size per row) and converts
/// each string to a new UTF-8 array; this binds the record and the strings without allocating. It runs inside the
/// connection's current transaction. Failures surface as <see cref="SqliteException"/>, as from Microsoft.Data.Sqlite.
/// </summary>
internal sealed class NativeStatement : IDisposable
{
    private const int PreparePersistent = 0x01;
    private const int Done = 101;

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public NativeStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        Check(raw.sqlite3_prepare_v3(_db, sql, PreparePersistent, out _statement));
    }

    /// <summary>Binds parameter <paramref name="index"/> (1-based).</summary>
    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, long? value) => Check(value is { } v ? raw.sqlite3_bind_int64(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    public void Bind(int index, string? value) => Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));

    public void Bind(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>Binds text already in UTF-8 (the file's encoding, so SQLite stores it without converting).</summary>
    public void BindUtf8(int index, ReadOnlySpan<byte> utf8) => Check(raw.sqlite3_bind_text(_statement, index, utf8));

    public void BindNull(int index) => Check(raw.sqlite3_bind_null(_statement, index));

    /// <summary>Runs the statement once with the bound values, then resets it for the next row.</summary>
    public void Execute()
    {
        var result = raw.sqlite3_step(_statement);
        var reset = raw.sqlite3_reset(_statement);
        if (result != Done)
        {
            SqliteException.ThrowExceptionForRC(result, _db);
            SqliteException.ThrowExceptionForRC(reset, _db);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int result) => SqliteException.ThrowExceptionForRC(result, _db);
}
