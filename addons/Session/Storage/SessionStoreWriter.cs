using Addons.Abstractions.Flows;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>
/// Writes to a session file: batches of flows (records, bodies apart, segment rows) each in one transaction, deletes
/// and clears. New flows take the next row key, so that a batch appends at the right edge of every B-tree it touches;
/// flows already stored are updated in place (the <see cref="FlowIdMap"/> tells which).
/// </summary>
internal sealed class SessionStoreWriter(SessionFile file, FlowIdMap ids, FlowCodec codec) : IDisposable
{
    private const int SideRequest = (int)BodySide.Request;
    private const int SideResponse = (int)BodySide.Response;

    private readonly SessionFile _file = file;
    private readonly SqliteConnection _connection = file.Connection;
    private readonly FlowIdMap _ids = ids;
    private readonly FlowCodec _codec = codec;
    private readonly EncodedFlow _encoded = new();
    // Where each flow of the batch being written went: its row key, and whether it replaced a stored flow.
    private readonly List<(long Sequence, bool Exists)> _placed = [];
    private readonly byte[] _idBytes = new byte[StoredId.Length];

    // Prepared once, reused for every batch; bound from spans (see NativeStatement). The column statements are per
    // segment: inserts go to the last one, updates to the one a flow's row key falls in.
    private NativeStatement? _insertRecord;
    private NativeStatement? _updateRecord;
    private NativeStatement? _deleteBodies;
    private NativeStatement? _insertBody;
    private readonly Dictionary<(int Segment, bool Update), NativeStatement> _columns = [];
    private SqliteTransaction? _transaction;

    /// <summary>
    /// Stores <paramref name="flows"/> in one transaction: new flows are appended in order, flows already stored are
    /// replaced (keeping their place), bodies above the threshold go to the body table. All or nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A flow is of a type the schema does not store; nothing was written.</exception>
    /// <exception cref="SessionStoreException">The write failed (full disk, lock, read-only...); nothing was written.</exception>
    public void WriteBatch(IReadOnlyList<Flow> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        _file.EnsureWritable($"write {flows.Count} flows to");
        for (var i = 0; i < flows.Count; i++)
        {
            if (!FlowCodec.CanEncode(flows[i]))
            {
                throw new ArgumentException(
                    $"Flow {flows[i].Id} is a {flows[i].Type} flow, which session schema v{SessionSchema.Version} does not store; no flow of the batch was written to {_file.Path}.",
                    nameof(flows));
            }
        }

        WriteInTransaction(flows.Count, (ids, added) =>
        {
            foreach (var flow in flows)
            {
                // The caller holds the flows still until this returns, so the bodies stored apart need no copy.
                _encoded.Capture((HttpFlow)flow, _codec, copyBodies: false);
                WriteFlow(_encoded, ids, added);
            }

            _encoded.Clear();
        });
    }

    /// <summary>
    /// Stores flows already encoded (by <see cref="EncodedFlow.Capture"/> with a codec of this store's
    /// <see cref="SessionStoreOptions.BodyThreshold"/>) in one transaction, as <see cref="WriteBatch(IReadOnlyList{Flow})"/> does.
    /// </summary>
    /// <exception cref="SessionStoreException">The write failed (full disk, lock, read-only...); nothing was written.</exception>
    public void WriteBatch(IReadOnlyList<EncodedFlow> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        _file.EnsureWritable($"write {flows.Count} flows to");
        WriteInTransaction(flows.Count, (ids, added) =>
        {
            // The records (and bodies) first, then the column rows: each loop keeps one statement and one B-tree
            // busy, which ran a few percent faster than alternating between the two tables flow by flow.
            _placed.Clear();
            foreach (var flow in flows)
            {
                _placed.Add(WriteRecord(flow, ids, added));
            }

            for (var i = 0; i < flows.Count; i++)
            {
                WriteColumns(flows[i], _placed[i].Sequence, _placed[i].Exists);
            }
        });
    }

    /// <summary>Removes the flows with these ids, their bodies and settings, in one transaction; returns how many flows were removed.</summary>
    public int Delete(IEnumerable<Guid> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        _file.EnsureWritable("delete flows from");
        var map = _ids.Get();
        var removed = new List<(Guid Id, long Sequence)>();
        try
        {
            using var transaction = _connection.BeginTransaction();
            using var deleteRecord = _file.Command("DELETE FROM record WHERE seq = $seq", transaction);
            using var deleteBodies = _file.Command("DELETE FROM body WHERE flow = $seq", transaction);
            using var deleteSettings = _file.Command("DELETE FROM setting WHERE flow_id = $id", transaction);
            var seq = deleteRecord.Parameters.Add("$seq", SqliteType.Integer);
            var bodySeq = deleteBodies.Parameters.Add("$seq", SqliteType.Integer);
            var settingId = deleteSettings.Parameters.Add("$id", SqliteType.Blob);
            foreach (var id in ids.Distinct())
            {
                settingId.Value = IdBytes(id);
                deleteSettings.ExecuteNonQuery();
                if (map.TryGetValue(id, out var sequence))
                {
                    seq.Value = bodySeq.Value = sequence;
                    deleteRecord.ExecuteNonQuery();
                    deleteBodies.ExecuteNonQuery();
                    using var deleteColumns = _file.Command($"DELETE FROM {Segments.Table(Segments.Of(sequence, _file.SegmentRows))} WHERE seq = $seq", transaction);
                    deleteColumns.Parameters.AddWithValue("$seq", sequence);
                    deleteColumns.ExecuteNonQuery();
                    removed.Add((id, sequence));
                }
            }

            transaction.Commit();
            _file.Committed();
        }
        catch (SqliteException e)
        {
            throw _file.Failure("delete flows from", e);
        }

        foreach (var (id, _) in removed)
        {
            map.Remove(id);
        }

        return removed.Count;
    }

    /// <summary>Removes every flow, body and setting (the schema stays).</summary>
    public void Clear()
    {
        _file.EnsureWritable("clear");
        try
        {
            DisposeColumnStatements();
            using var transaction = _connection.BeginTransaction();
            foreach (var sql in new[] { "DELETE FROM record", "DELETE FROM body", "DELETE FROM setting", "DROP VIEW IF EXISTS flow" }
                .Concat(Enumerable.Range(0, _file.SegmentCount).Select(k => $"DROP TABLE {Segments.Table(k)}")))
            {
                using var command = _file.Command(sql, transaction);
                command.ExecuteNonQuery();
            }

            Segments.Create(_connection, transaction, 0);
            transaction.Commit();
            _file.Committed();
        }
        catch (SqliteException e)
        {
            _file.SegmentCount = Segments.Count(_connection, null);
            throw _file.Failure("clear", e);
        }

        _file.SegmentCount = 1;
        _ids.Clear();
        _file.NextSequence = 1;
    }

    /// <summary>
    /// Runs <paramref name="write"/> (given the id map and a list to note the ids it adds) in one transaction; when
    /// anything fails, the transaction rolls back and the id map and next sequence are restored.
    /// </summary>
    private void WriteInTransaction(int count, Action<Dictionary<Guid, long>, List<Guid>> write)
    {
        var ids = _ids.Get();
        var added = new List<Guid>();
        var firstSequence = _file.NextSequence;
        var segments = _file.SegmentCount;
        _file.BeforeWrite();
        try
        {
            using var transaction = _connection.BeginTransaction();
            _transaction = transaction;
            PrepareWriteStatements();
            write(ids, added);
            transaction.Commit();
            _file.Committed();
        }
        catch (Exception e)
        {
            // The transaction rolled back: the flows it added are not stored after all, nor the segments it began.
            foreach (var id in added)
            {
                ids.Remove(id);
            }

            _file.NextSequence = firstSequence;
            if (_file.SegmentCount != segments)
            {
                DisposeColumnStatements();
                _file.SegmentCount = segments;
            }

            if (e is SqliteException sqlite)
            {
                throw _file.Failure($"write {count} flows to", sqlite);
            }

            throw;
        }
        finally
        {
            _transaction = null;
        }
    }

    private void PrepareWriteStatements()
    {
        if (_insertRecord is not null)
        {
            return;
        }

        // A new flow is an INSERT at the end; a stored one an UPDATE in place (the id map tells which). One INSERT OR
        // REPLACE for both measured slower, and would delete and re-insert every index entry.
        _insertRecord = new NativeStatement(_connection, "INSERT INTO record (seq, bodies_apart, record) VALUES (?1, ?2, ?3)");
        _updateRecord = new NativeStatement(_connection, "UPDATE record SET bodies_apart = ?2, record = ?3 WHERE seq = ?1");
        _deleteBodies = new NativeStatement(_connection, "DELETE FROM body WHERE flow = ?1");
        _insertBody = new NativeStatement(_connection, "INSERT INTO body (flow, side, content) VALUES (?1, ?2, ?3)");
    }

    private void WriteFlow(EncodedFlow flow, Dictionary<Guid, long> ids, List<Guid> added)
    {
        var (sequence, exists) = WriteRecord(flow, ids, added);
        WriteColumns(flow, sequence, exists);
    }

    private (long Sequence, bool Exists) WriteRecord(EncodedFlow flow, Dictionary<Guid, long> ids, List<Guid> added)
    {
        var exists = ids.TryGetValue(flow.Id, out var sequence);
        if (!exists)
        {
            sequence = _file.NextSequence++;
            ids.Add(flow.Id, sequence);
            added.Add(flow.Id);
        }

        var record = exists ? _updateRecord! : _insertRecord!;
        record.Bind(1, sequence);
        record.Bind(2, (long)flow.BodiesApart);
        record.Bind(3, flow.Record);
        record.Execute();
        if (exists)
        {
            _deleteBodies!.Bind(1, sequence);
            _deleteBodies.Execute();
        }

        if (flow.RequestBody is { } requestBody)
        {
            InsertBody(sequence, SideRequest, requestBody);
        }

        if (flow.ResponseBody is { } responseBody)
        {
            InsertBody(sequence, SideResponse, responseBody);
        }

        return (sequence, exists);
    }

    private void WriteColumns(EncodedFlow flow, long sequence, bool exists)
    {
        var columns = ColumnStatement(Segments.Of(sequence, _file.SegmentRows), exists);
        columns.Bind(1, sequence);
        SegmentColumns.Bind(columns, flow);
        columns.Execute();
    }

    /// <summary>
    /// The statement that inserts (or updates) a row of segment <paramref name="segment"/>'s columns; a new segment
    /// is created first, and the full one before it gets its indexes (in the current transaction).
    /// </summary>
    private NativeStatement ColumnStatement(int segment, bool update)
    {
        while (_file.SegmentCount <= segment)
        {
            if (_file.SegmentCount > 0)
            {
                Segments.Index(_connection, _transaction, _file.SegmentCount - 1);
            }

            Segments.Create(_connection, _transaction, _file.SegmentCount);
            _file.SegmentCount++;
        }

        if (!_columns.TryGetValue((segment, update), out var statement))
        {
            var table = Segments.Table(segment);
            statement = new NativeStatement(_connection, update ? SegmentColumns.Update(table) : SegmentColumns.Insert(table));
            _columns[(segment, update)] = statement;
        }

        return statement;
    }

    private void DisposeColumnStatements()
    {
        foreach (var statement in _columns.Values)
        {
            statement.Dispose();
        }

        _columns.Clear();
    }

    private void InsertBody(long sequence, int side, byte[] content)
    {
        _insertBody!.Bind(1, sequence);
        _insertBody.Bind(2, side);
        _insertBody.Bind(3, content);
        _insertBody.Execute();
    }

    private byte[] IdBytes(Guid id)
    {
        StoredId.Write(id, _idBytes);
        return _idBytes;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _insertRecord?.Dispose();
        _updateRecord?.Dispose();
        DisposeColumnStatements();
        _deleteBodies?.Dispose();
        _insertBody?.Dispose();
    }
}
