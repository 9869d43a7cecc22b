using System.Globalization;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>
/// A session file: flows as protobuf records (<see cref="FlowCodec"/>) in SQLite, with the View's order and filter
/// columns beside them, large bodies apart, and per-flow settings.
/// <para>
/// Row key: the flow table's rowid (<c>seq</c>) in insertion order, so that a batch appends at the right edge of every
/// B-tree it touches. Flow ids are random UUIDs; a UNIQUE index on them put each insert at a random place and halved
/// the insert rate (bench/session). Instead the ids sit in an index ordered by <c>seq</c> (also append-only) that
/// this store reads once into an id → seq map, when it first needs to find a flow by id.
/// </para>
/// <para>
/// Not thread-safe: one owner (the writer) uses it. WAL lets another store opened read-only on the same file read
/// while it writes. Every failure is a <see cref="SessionStoreException"/> whose message names the file; a failed open
/// or write never truncates or overwrites the file.
/// </para>
/// </summary>
internal sealed class SessionStore : IDisposable
{
    private const int SideRequest = (int)BodySide.Request;
    private const int SideResponse = (int)BodySide.Response;

    private readonly SqliteConnection _connection;
    private readonly FlowCodec _codec;
    private readonly EncodedFlow _encoded = new();
    // Where each flow of the batch being written went: its row key, and whether it replaced a stored flow.
    private readonly List<(long Sequence, bool Exists)> _placed = [];
    private readonly byte[] _idBytes = new byte[16];
    private Dictionary<Guid, long>? _ids;
    private long _mappedUpTo;
    private long _nextSequence;

    // Prepared once, reused for every batch; bound from spans (see NativeStatement). The column statements are per
    // segment: inserts go to the last one, updates to the one a flow's row key falls in.
    private NativeStatement? _insertRecord;
    private NativeStatement? _updateRecord;
    private NativeStatement? _deleteBodies;
    private NativeStatement? _insertBody;
    private readonly Dictionary<(int Segment, bool Update), NativeStatement> _columns = [];
    private SqliteTransaction? _transaction;
    private WalCheckpointer? _checkpointer;
    private int _segments;
    private int _segmentRows = Segments.DefaultRows;

    private SessionStore(string path, SqliteConnection connection, SessionStoreOptions options)
    {
        Path = path;
        _connection = connection;
        Options = options;
        _codec = new FlowCodec(options.BodyThreshold);
    }

    /// <summary>The session file's full path.</summary>
    public string Path { get; }

    /// <summary>The options the store was opened with.</summary>
    public SessionStoreOptions Options { get; }

    /// <summary>The thread that copies the log into the file, while it works (null: SQLite checkpoints on the writer).</summary>
    internal WalCheckpointer? Checkpointer => _checkpointer;

    /// <summary>Whether the store was opened for reading only.</summary>
    public bool IsReadOnly => Options.ReadOnly;

    /// <summary>Opens the session file at <paramref name="path"/>, or creates it (unless <paramref name="readOnly"/>).</summary>
    public static SessionStore Open(string path, bool readOnly) => Open(path, new SessionStoreOptions { ReadOnly = readOnly });

    /// <summary>
    /// Opens the session file at <paramref name="path"/>: creates it with the current schema when it does not exist
    /// (or is empty), upgrades an older schema, and refuses a file that is not a session, has a newer schema, is locked
    /// or cannot be written (unless read-only was asked for).
    /// </summary>
    /// <exception cref="SessionStoreException">The file cannot be used as a session; nothing was written to it.</exception>
    public static SessionStore Open(string path, SessionStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new SessionStoreOptions();
        var fullPath = System.IO.Path.GetFullPath(path);
        var existed = File.Exists(fullPath);
        if (!existed && options.ReadOnly)
        {
            throw new SessionStoreException(fullPath, SessionStoreError.NotFound, $"Session file {fullPath} does not exist, so it cannot be opened read-only.");
        }

        if (!existed && !Directory.Exists(System.IO.Path.GetDirectoryName(fullPath)))
        {
            throw new SessionStoreException(fullPath, SessionStoreError.NotFound, $"Session file {fullPath} cannot be created: its folder does not exist.");
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = options.ReadOnly ? SqliteOpenMode.ReadOnly : existed ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString());
        var store = new SessionStore(fullPath, connection, options);
        try
        {
            connection.Open();
            store.Initialize(isNew: !existed || new FileInfo(fullPath).Length == 0);
            store.StartCheckpointer();
            return store;
        }
        catch (SqliteException e)
        {
            store.Dispose();
            DeleteIfCreated(fullPath, existed);
            throw store.Failure("open", e);
        }
        catch
        {
            store.Dispose();
            DeleteIfCreated(fullPath, existed);
            throw;
        }
    }

    /// <summary>
    /// Stores <paramref name="flows"/> in one transaction: new flows are appended in order, flows already stored are
    /// replaced (keeping their place), bodies above the threshold go to the body table. All or nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A flow is of a type the schema does not store; nothing was written.</exception>
    /// <exception cref="SessionStoreException">The write failed (full disk, lock, read-only...); nothing was written.</exception>
    public void WriteBatch(IReadOnlyList<Flow> flows)
    {
        ArgumentNullException.ThrowIfNull(flows);
        EnsureWritable($"write {flows.Count} flows to");
        for (var i = 0; i < flows.Count; i++)
        {
            if (!FlowCodec.CanEncode(flows[i]))
            {
                throw new ArgumentException(
                    $"Flow {flows[i].Id} is a {flows[i].Type} flow, which session schema v{SessionSchema.Version} does not store; no flow of the batch was written to {Path}.",
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
        EnsureWritable($"write {flows.Count} flows to");
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
        EnsureWritable("delete flows from");
        var map = IdMap();
        var removed = new List<(Guid Id, long Sequence)>();
        try
        {
            using var transaction = _connection.BeginTransaction();
            using var deleteRecord = Command("DELETE FROM record WHERE seq = $seq", transaction);
            using var deleteBodies = Command("DELETE FROM body WHERE flow = $seq", transaction);
            using var deleteSettings = Command("DELETE FROM setting WHERE flow_id = $id", transaction);
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
                    using var deleteColumns = Command($"DELETE FROM {Segments.Table(Segments.Of(sequence, _segmentRows))} WHERE seq = $seq", transaction);
                    deleteColumns.Parameters.AddWithValue("$seq", sequence);
                    deleteColumns.ExecuteNonQuery();
                    removed.Add((id, sequence));
                }
            }

            transaction.Commit();
            _checkpointer?.Committed();
        }
        catch (SqliteException e)
        {
            throw Failure("delete flows from", e);
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
        EnsureWritable("clear");
        try
        {
            DisposeColumnStatements();
            using var transaction = _connection.BeginTransaction();
            foreach (var sql in new[] { "DELETE FROM record", "DELETE FROM body", "DELETE FROM setting", "DROP VIEW IF EXISTS flow" }
                .Concat(Enumerable.Range(0, _segments).Select(k => $"DROP TABLE {Segments.Table(k)}")))
            {
                using var command = Command(sql, transaction);
                command.ExecuteNonQuery();
            }

            Segments.Create(_connection, transaction, 0);
            transaction.Commit();
            _checkpointer?.Committed();
        }
        catch (SqliteException e)
        {
            _segments = Segments.Count(_connection, null);
            throw Failure("clear", e);
        }

        _segments = 1;
        _ids?.Clear();
        _mappedUpTo = 0;
        _nextSequence = 1;
    }

    /// <summary>
    /// Every stored flow after the first <paramref name="skip"/>, in insertion order, with all its bodies: what a restore
    /// reads. Streams, a chunk of flows at a time, decoded on all cores. Do not write to this store while enumerating.
    /// </summary>
    /// <exception cref="SessionStoreException">A page or a record is damaged, or the file cannot be read.</exception>
    public IEnumerable<Flow> ReadAll(long skip = 0)
    {
        const string Sql = """
            SELECT seq, record,
                CASE WHEN bodies_apart & 1 THEN (SELECT content FROM body WHERE flow = f.seq AND side = 0) END,
                CASE WHEN bodies_apart & 2 THEN (SELECT content FROM body WHERE flow = f.seq AND side = 1) END
            FROM record f WHERE seq > $after ORDER BY seq
            """;
        using var command = Command(Sql);
        command.Parameters.AddWithValue("$after", SequenceOfRow(skip));
        using var reader = Guard("read", command.ExecuteReader);

        // Records are read here and decoded on all cores a chunk at a time, the next chunk read while one decodes.
        var chunk = new List<Candidate>(MatchChunk);
        Task<Flow[]>? decoding = null;
        while (Guard("read", reader.Read))
        {
            chunk.Add(ReadCandidate(reader));
            if (chunk.Count < MatchChunk)
            {
                continue;
            }

            var previous = decoding;
            var next = chunk;
            chunk = new List<Candidate>(MatchChunk);
            decoding = Task.Run(() => DecodeAll(next));
            if (previous is not null)
            {
                foreach (var flow in previous.GetAwaiter().GetResult())
                {
                    yield return flow;
                }
            }
        }

        if (decoding is not null)
        {
            foreach (var flow in decoding.GetAwaiter().GetResult())
            {
                yield return flow;
            }
        }

        foreach (var flow in DecodeAll(chunk))
        {
            yield return flow;
        }
    }

    /// <summary>The row key of the <paramref name="row"/>-th stored flow (1-based; 0 for none), found in the narrow segments.</summary>
    private long SequenceOfRow(long row)
    {
        RefreshSegments();
        for (var segment = 0; segment < _segments && row > 0; segment++)
        {
            var table = Segments.Table(segment);
            var count = Guard("read", () => Scalar<long>($"SELECT count(*) FROM {table}"));
            if (row <= count)
            {
                using var command = Command($"SELECT seq FROM {table} ORDER BY seq LIMIT 1 OFFSET $offset");
                command.Parameters.AddWithValue("$offset", row - 1);
                return Guard("read", () => (long)command.ExecuteScalar()!);
            }

            row -= count;
        }

        return row > 0 ? long.MaxValue : 0;
    }

    /// <summary>A row of seq, record and the two bodies stored apart (or nulls), to decode later.</summary>
    private Candidate ReadCandidate(SqliteDataReader reader)
    {
        var sequence = reader.GetInt64(0);
        try
        {
            return new Candidate(
                Guid.Empty,
                sequence,
                (byte[])reader.GetValue(1),
                reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2),
                reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3));
        }
        catch (InvalidCastException e)
        {
            throw Unreadable(sequence, e);
        }
        catch (SqliteException e)
        {
            throw Failure("read", e);
        }
    }

    /// <summary>Decodes rows on all cores, in their order; a damaged record is the error of the first one met.</summary>
    private Flow[] DecodeAll(List<Candidate> rows)
    {
        var flows = new Flow[rows.Count];
        Decode(rows, (i, flow) => flows[i] = flow, CancellationToken.None);
        return flows;
    }

    /// <summary>
    /// Decodes rows on all cores and hands each flow with its row's index to <paramref name="use"/> (on the decoding
    /// thread); a damaged record is the error of the first one met, as a sequential read would report it.
    /// </summary>
    private void Decode(List<Candidate> rows, Action<int, Flow> use, CancellationToken cancellationToken)
    {
        try
        {
            Parallel.For(0, rows.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                var row = rows[i];
                use(i, Decode(row.Sequence, row.Record, row.RequestBody, row.ResponseBody, bodiesRequired: true));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0 && e.InnerExceptions[0] is SessionStoreException damaged)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(damaged).Throw();
        }
    }

    /// <summary>One stored flow, or <c>null</c> when no flow has this id. Without <paramref name="includeBodies"/>, bodies stored apart are left <c>null</c>.</summary>
    public Flow? ReadFlow(Guid id, bool includeBodies = true)
    {
        if (!IdMap().TryGetValue(id, out var sequence))
        {
            return null;
        }

        var sql = includeBodies
            ? """
              SELECT seq, record,
                  CASE WHEN bodies_apart & 1 THEN (SELECT content FROM body WHERE flow = f.seq AND side = 0) END,
                  CASE WHEN bodies_apart & 2 THEN (SELECT content FROM body WHERE flow = f.seq AND side = 1) END
              FROM record f WHERE seq = $seq
              """
            : "SELECT seq, record, NULL, NULL FROM record WHERE seq = $seq";
        using var command = Command(sql);
        command.Parameters.AddWithValue("$seq", sequence);
        using var reader = Guard("read", command.ExecuteReader);
        return Guard("read", reader.Read) ? DecodeRow(reader, bodiesRequired: includeBodies) : null;
    }

    /// <summary>The number of stored flows.</summary>
    public long Count()
    {
        // Counted over the narrow segments: counting the record table would read every record's pages.
        RefreshSegments();
        return Guard("read", () => _segments == 0 ? 0 : Scalar<long>(
            "SELECT " + string.Join(" + ", Enumerable.Range(0, _segments).Select(k => $"(SELECT count(*) FROM {Segments.Table(k)})"))));
    }

    /// <summary>
    /// The summaries of the first <paramref name="limit"/> stored flows (all without a limit), in insertion order, from
    /// their columns without decoding records: what the View keeps of a cold flow. Streams.
    /// </summary>
    public IEnumerable<FlowSummary> ReadSummaries(long? limit = null)
    {
        RefreshSegments();
        var remaining = limit ?? long.MaxValue;
        var row = new SummaryRow(new TextPool());
        for (var segment = 0; segment < _segments && remaining > 0; segment++)
        {
            using var command = Command($"SELECT {SegmentColumns.SummaryNames} FROM {Segments.Table(segment)} ORDER BY seq LIMIT $limit");
            command.Parameters.AddWithValue("$limit", remaining == long.MaxValue ? -1 : remaining);
            using var reader = Guard("read", command.ExecuteReader);
            while (Guard("read", reader.Read))
            {
                remaining--;
                yield return Guard("read", () => SegmentColumns.ReadSummary(reader, row));
            }
        }
    }

    /// <summary>
    /// Which of the flows <paramref name="ids"/> match <paramref name="filter"/>. Their columns are read first, from the
    /// narrow segment tables; what those decide (method, url, host, status, error, marker...) needs no record, and only
    /// the flows they leave open have their records read and decoded, with their bodies, on all cores while the next
    /// records are read. A few rows are read by key, many in one pass. Ids not stored are left out.
    /// </summary>
    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(ids);
        var wanted = ids as IReadOnlySet<Guid> ?? ids.ToHashSet();
        var matched = new HashSet<Guid>();
        if (wanted.Count == 0)
        {
            return matched;
        }

        // The columns decide what they can.
        var row = new SummaryRow(new TextPool());
        var undecided = new Dictionary<long, Guid>();
        var rows = 0;
        foreach (var reader in ColumnRows(wanted))
        {
            if ((++rows & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var id = Guard("read", () => StoredId.Read(reader, 0));
            if (!wanted.Contains(id))
            {
                continue;
            }

            switch (filter.MatchesSummary(Guard("read", () => SegmentColumns.ReadSummary(reader, row))))
            {
                case true:
                    matched.Add(id);
                    break;
                case null:
                    undecided[reader.GetInt64(SegmentColumns.SummaryCount)] = id;
                    break;
            }
        }

        // The rest are decoded and matched whole, a chunk on all cores while the next chunk is read.
        using var bodies = Command("SELECT side, content FROM body WHERE flow = $seq");
        var bodySequence = bodies.Parameters.Add("$seq", SqliteType.Integer);
        var chunk = new List<Candidate>(MatchChunk);

        // Chunks are decoded one after another (each waits for the one before), so this set has one writer at a time.
        var decodedMatches = new HashSet<Guid>();
        var decoding = Task.CompletedTask;
        var sequences = undecided.Keys.ToList();
        sequences.Sort();
        foreach (var reader in RecordRows(sequences))
        {
            if ((++rows & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var sequence = reader.GetInt64(0);
            if (!undecided.TryGetValue(sequence, out var id))
            {
                continue;
            }

            byte[]? requestBody = null, responseBody = null;
            if (reader.GetInt32(1) != 0)
            {
                bodySequence.Value = sequence;
                using var bodyReader = Guard("read", bodies.ExecuteReader);
                while (Guard("read", bodyReader.Read))
                {
                    if (bodyReader.GetInt32(0) == SideRequest)
                    {
                        requestBody = (byte[])bodyReader.GetValue(1);
                    }
                    else
                    {
                        responseBody = (byte[])bodyReader.GetValue(1);
                    }
                }
            }

            chunk.Add(new Candidate(id, sequence, Guard("read", () => (byte[])reader.GetValue(2)), requestBody, responseBody));
            if (chunk.Count == MatchChunk)
            {
                decoding.GetAwaiter().GetResult();
                var next = chunk;
                chunk = new List<Candidate>(MatchChunk);
                decoding = Task.Run(() => MatchDecoded(filter, next, decodedMatches, cancellationToken), cancellationToken);
            }
        }

        decoding.GetAwaiter().GetResult();
        MatchDecoded(filter, chunk, decodedMatches, cancellationToken);
        matched.UnionWith(decodedMatches);
        return matched;
    }

    /// <summary>
    /// The column rows (the summary columns, then seq) of the wanted flows: by row key when they are under an eighth of
    /// the flows, else every segment in one pass.
    /// </summary>
    private IEnumerable<SqliteDataReader> ColumnRows(IReadOnlySet<Guid> wanted)
    {
        if (wanted.Count * 8L < Count())
        {
            var map = IdMap(wanted);
            var sequences = wanted.Select(id => map.TryGetValue(id, out var sequence) ? sequence : 0).Where(sequence => sequence > 0).Order();
            foreach (var reader in RowsByKey(sequences, segment => $"SELECT {SegmentColumns.SummaryNames}, seq FROM {Segments.Table(segment)} WHERE seq = $seq"))
            {
                yield return reader;
            }

            yield break;
        }

        RefreshSegments();
        for (var segment = 0; segment < _segments; segment++)
        {
            using var all = Command($"SELECT {SegmentColumns.SummaryNames}, seq FROM {Segments.Table(segment)} ORDER BY seq");
            using var reader = Guard("read", all.ExecuteReader);
            while (Guard("read", reader.Read))
            {
                yield return reader;
            }
        }
    }

    /// <summary>The record rows (seq, bodies_apart, record) of these row keys, in order: by key when few, else in one pass.</summary>
    private IEnumerable<SqliteDataReader> RecordRows(List<long> sequences)
    {
        if (sequences.Count == 0)
        {
            yield break;
        }

        if (sequences.Count * 8L < Count())
        {
            foreach (var reader in RowsByKey(sequences, _ => "SELECT seq, bodies_apart, record FROM record WHERE seq = $seq"))
            {
                yield return reader;
            }

            yield break;
        }

        using var all = Command("SELECT seq, bodies_apart, record FROM record ORDER BY seq");
        using var pass = Guard("read", all.ExecuteReader);
        while (Guard("read", pass.Read))
        {
            yield return pass;
        }
    }

    /// <summary>One row per key, read with the statement <paramref name="sql"/> gives for the key's segment (its <c>$seq</c> bound).</summary>
    private IEnumerable<SqliteDataReader> RowsByKey(IEnumerable<long> sequences, Func<int, string> sql)
    {
        SqliteCommand? command = null;
        var segment = -1;
        try
        {
            foreach (var sequence in sequences)
            {
                if (Segments.Of(sequence, _segmentRows) != segment || command is null)
                {
                    segment = Segments.Of(sequence, _segmentRows);
                    command?.Dispose();
                    command = Command(sql(segment));
                    command.Parameters.Add("$seq", SqliteType.Integer);
                }

                command.Parameters[0].Value = sequence;
                using var row = Guard("read", command.ExecuteReader);
                if (Guard("read", row.Read))
                {
                    yield return row;
                }
            }
        }
        finally
        {
            command?.Dispose();
        }
    }

    /// <summary>Decodes undecided flows on all cores and adds those that match to <paramref name="matched"/>.</summary>
    private void MatchDecoded(IFlowFilter filter, List<Candidate> candidates, HashSet<Guid> matched, CancellationToken cancellationToken)
    {
        var found = new bool[candidates.Count];
        Decode(candidates, (i, flow) => found[i] = filter.Matches(flow), cancellationToken);
        for (var i = 0; i < found.Length; i++)
        {
            if (found[i])
            {
                matched.Add(candidates[i].Id);
            }
        }
    }

    /// <summary>A body stored apart, or <c>null</c> when that flow has none on that side (its body, if any, is inside its record).</summary>
    public byte[]? LoadBody(Guid id, BodySide side)
    {
        if (!IdMap().TryGetValue(id, out var sequence))
        {
            return null;
        }

        using var command = Command("SELECT content FROM body WHERE flow = $seq AND side = $side");
        command.Parameters.AddWithValue("$seq", sequence);
        command.Parameters.AddWithValue("$side", (int)side);
        return Guard("read", () => command.ExecuteScalar() as byte[]);
    }

    /// <summary>A flow's setting, or <c>null</c> when it has none of that name.</summary>
    public string? GetSetting(Guid flowId, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var command = Command("SELECT value FROM setting WHERE flow_id = $id AND key = $key");
        command.Parameters.AddWithValue("$id", IdBytes(flowId));
        command.Parameters.AddWithValue("$key", key);
        return Guard("read", () => command.ExecuteScalar() as string);
    }

    /// <summary>Sets a flow's setting; <c>null</c> removes it. The flow need not be stored yet.</summary>
    public void SetSetting(Guid flowId, string key, string? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        EnsureWritable("write a setting to");
        using var command = Command(value is null
            ? "DELETE FROM setting WHERE flow_id = $id AND key = $key"
            : "INSERT INTO setting (flow_id, key, value) VALUES ($id, $key, $value) ON CONFLICT (flow_id, key) DO UPDATE SET value = excluded.value");
        command.Parameters.AddWithValue("$id", IdBytes(flowId));
        command.Parameters.AddWithValue("$key", key);
        if (value is not null)
        {
            command.Parameters.AddWithValue("$value", value);
        }

        Guard("write a setting to", command.ExecuteNonQuery);
    }

    /// <summary>Every per-flow setting, ordered by flow id and key (for a restore). Streams.</summary>
    public IEnumerable<FlowSetting> ReadSettings()
    {
        using var command = Command("SELECT flow_id, key, value FROM setting ORDER BY flow_id, key");
        using var reader = Guard("read", command.ExecuteReader);
        while (Guard("read", reader.Read))
        {
            yield return Guard("read", () => new FlowSetting(StoredId.Read(reader, 0), reader.GetString(1), reader.GetString(2)));
        }
    }

    /// <summary>Every per-flow setting grouped by flow, as <see cref="Abstractions.View.FlowsLoaded.Settings"/> takes them.</summary>
    public Dictionary<Guid, IReadOnlyDictionary<string, string>> ReadSettingsByFlow()
    {
        var settings = new Dictionary<Guid, IReadOnlyDictionary<string, string>>();
        foreach (var setting in ReadSettings())
        {
            if (!settings.TryGetValue(setting.FlowId, out var values))
            {
                settings[setting.FlowId] = values = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            ((Dictionary<string, string>)values)[setting.Key] = setting.Value;
        }

        return settings;
    }

    /// <summary>How many flows and bytes the session holds.</summary>
    public SessionStats Stats()
    {
        var flows = Count();
        return Guard("read", () =>
        {
            using var command = Command("""
                SELECT (SELECT count(*) FROM body), (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size())
                """);
            using var reader = command.ExecuteReader();
            reader.Read();
            var wal = new FileInfo(Path + "-wal");
            return new SessionStats(flows, reader.GetInt64(0), reader.GetInt64(1), wal.Exists ? wal.Length : 0);
        });
    }

    /// <summary>
    /// Writes a consistent, compacted copy of the session to <paramref name="path"/> (SQLite's <c>VACUUM INTO</c>);
    /// refuses to overwrite an existing file.
    /// </summary>
    public void SaveCopy(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = System.IO.Path.GetFullPath(path);
        if (File.Exists(target))
        {
            throw new SessionStoreException(target, SessionStoreError.Other, $"Cannot save session file {Path} as {target}: that file already exists and is left as it is.");
        }

        using var command = Command("VACUUM INTO $target");
        command.Parameters.AddWithValue("$target", target);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw Failure($"save a copy as {target} of", e);
        }
    }

    /// <summary>
    /// Runs SQLite's <c>PRAGMA integrity_check</c> and returns the problems it found, each naming the file; an empty
    /// list means the file is sound. A file too damaged to check yields one problem rather than an exception.
    /// </summary>
    public IReadOnlyList<string> IntegrityCheck()
    {
        try
        {
            using var command = Command("PRAGMA integrity_check");
            using var reader = command.ExecuteReader();
            var problems = new List<string>();
            while (reader.Read())
            {
                foreach (var line in reader.GetString(0).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (line is not "ok" and not "*** in database main ***")
                    {
                        problems.Add($"Session file {Path}: {line}");
                    }
                }
            }

            return problems;
        }
        catch (SqliteException e)
        {
            return [Failure("check", e).Message];
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The checkpointer's connection closes first, so that the writer's, the last, copies what is left of the log
        // into the file and removes it.
        _checkpointer?.Dispose();
        _insertRecord?.Dispose();
        _updateRecord?.Dispose();
        DisposeColumnStatements();
        _deleteBodies?.Dispose();
        _insertBody?.Dispose();
        _connection.Dispose();
    }

    private static void DeleteIfCreated(string path, bool existed)
    {
        if (existed)
        {
            return;
        }

        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            File.Delete(file);
        }
    }

    private const int MatchChunk = 1024;

    private void Initialize(bool isNew)
    {
        if (isNew && !Options.ReadOnly)
        {
            // Page size and journal mode must be set before the first table exists.
            Execute($"PRAGMA page_size = {Options.PageSize.ToString(CultureInfo.InvariantCulture)}");
            Execute("PRAGMA journal_mode = WAL");
            Execute($"PRAGMA user_version = {Options.SegmentRows.ToString(CultureInfo.InvariantCulture)}");
            Configure();
            Migrate(fromVersion: 0);
            return;
        }

        // Reads only until the file is known to be a session of a version this build understands.
        var version = ReadSchemaVersion(out var hasTables);
        if (version is null && !hasTables && !Options.ReadOnly)
        {
            // A SQLite database without any table (made by `sqlite3 file ""`, say) is as good as a new file.
            Execute($"PRAGMA page_size = {Options.PageSize.ToString(CultureInfo.InvariantCulture)}");
            Execute("PRAGMA journal_mode = WAL");
            Execute($"PRAGMA user_version = {Options.SegmentRows.ToString(CultureInfo.InvariantCulture)}");
            Configure();
            Migrate(fromVersion: 0);
            return;
        }

        if (version is null)
        {
            throw new SessionStoreException(Path, SessionStoreError.NotASession,
                $"File {Path} is a SQLite database but not a session (it has no session schema); it was left unchanged.");
        }

        if (version > SessionSchema.Version)
        {
            throw new SessionStoreException(Path, SessionStoreError.NewerSchema,
                $"Session file {Path} has schema version {version}, newer than the {SessionSchema.Version} this build reads; open it with a newer version (the file was left unchanged).");
        }

        if (!Options.ReadOnly && SQLitePCL.raw.sqlite3_db_readonly(_connection.Handle, "main") == 1)
        {
            throw new SessionStoreException(Path, SessionStoreError.ReadOnly,
                $"Session file {Path} is read-only for this process, so it cannot be written; open it read-only to view it.");
        }

        if (version < SessionSchema.Version && Options.ReadOnly)
        {
            throw new SessionStoreException(Path, SessionStoreError.ReadOnly,
                $"Session file {Path} has schema version {version} and needs an upgrade to {SessionSchema.Version}, which a read-only open cannot do.");
        }

        if (!Options.ReadOnly)
        {
            Execute("PRAGMA journal_mode = WAL");
        }

        Configure();
        if (version < SessionSchema.Version)
        {
            Migrate(version.Value);
        }

        _nextSequence = Scalar<long>("SELECT coalesce(max(seq), 0) + 1 FROM record");
        _segments = Segments.Count(_connection, null);
        _segmentRows = Segments.RowsOf(_connection, null);
    }

    private int? ReadSchemaVersion(out bool hasTables)
    {
        hasTables = Scalar<long>("SELECT count(*) FROM sqlite_schema WHERE type = 'table'") > 0;
        var hasVersionTable = Scalar<long>("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'") == 1;
        if (!hasVersionTable || Scalar<long>("PRAGMA application_id") != SessionSchema.ApplicationId)
        {
            return null;
        }

        var version = Scalar<object>("SELECT max(version) FROM schema_version");
        return version is long v ? (int)v : null;
    }

    private void Configure()
    {
        Execute("PRAGMA synchronous = NORMAL");
        Execute($"PRAGMA cache_size = -{Options.CacheKiB.ToString(CultureInfo.InvariantCulture)}");
        Execute($"PRAGMA busy_timeout = {((long)Options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}");
        if (Options.MaxBytes is { } maxBytes)
        {
            var pageSize = Scalar<long>("PRAGMA page_size");
            Execute($"PRAGMA max_page_count = {Math.Max(1, maxBytes / pageSize).ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private void Migrate(int fromVersion)
    {
        using var transaction = _connection.BeginTransaction();
        using (var create = Command("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)", transaction))
        {
            create.ExecuteNonQuery();
        }

        foreach (var migration in SessionSchema.Migrations.Where(m => m.Version > fromVersion))
        {
            foreach (var statement in migration.Statements)
            {
                using var command = Command(statement, transaction);
                command.ExecuteNonQuery();
            }

            migration.Backfill?.Invoke(_connection, transaction);

            using var record = Command("INSERT INTO schema_version (version, applied_at, description) VALUES ($version, $at, $description)", transaction);
            record.Parameters.AddWithValue("$version", migration.Version);
            record.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            record.Parameters.AddWithValue("$description", migration.Description);
            record.ExecuteNonQuery();
        }

        transaction.Commit();
        _nextSequence = Scalar<long>("SELECT coalesce(max(seq), 0) + 1 FROM record");
        _segments = Segments.Count(_connection, null);
        _segmentRows = Segments.RowsOf(_connection, null);
    }

    /// <summary>
    /// Runs <paramref name="write"/> (given the id map and a list to note the ids it adds) in one transaction; when
    /// anything fails, the transaction rolls back and the id map and next sequence are restored.
    /// </summary>
    private void WriteInTransaction(int count, Action<Dictionary<Guid, long>, List<Guid>> write)
    {
        var ids = IdMap();
        var added = new List<Guid>();
        var firstSequence = _nextSequence;
        var segments = _segments;
        BeforeWrite();
        try
        {
            using var transaction = _connection.BeginTransaction();
            _transaction = transaction;
            PrepareWriteStatements();
            write(ids, added);
            transaction.Commit();
            _checkpointer?.Committed();
        }
        catch (Exception e)
        {
            // The transaction rolled back: the flows it added are not stored after all, nor the segments it began.
            foreach (var id in added)
            {
                ids.Remove(id);
            }

            _nextSequence = firstSequence;
            if (_segments != segments)
            {
                DisposeColumnStatements();
                _segments = segments;
            }

            if (e is SqliteException sqlite)
            {
                throw Failure($"write {count} flows to", sqlite);
            }

            throw;
        }
        finally
        {
            _transaction = null;
        }
    }

    /// <summary>Copies of the log run on their own thread (see <see cref="WalCheckpointer"/>) unless the options say otherwise.</summary>
    private void StartCheckpointer()
    {
        if (Options.ReadOnly || Options.WalRestartBytes is not { } restartBytes)
        {
            return;
        }

        _checkpointer = new WalCheckpointer(Path, Scalar<long>("PRAGMA page_size"), restartBytes);
        Execute("PRAGMA wal_autocheckpoint = 0");
    }

    /// <summary>
    /// Before a batch: lets the checkpointer restart a grown log; if it failed, gives checkpoints back to SQLite, whose
    /// failures then surface as write errors.
    /// </summary>
    private void BeforeWrite()
    {
        if (_checkpointer is null)
        {
            return;
        }

        if (_checkpointer.Failure is not null)
        {
            _checkpointer.Dispose();
            _checkpointer = null;
            Execute("PRAGMA wal_autocheckpoint = 1000");
            return;
        }

        _checkpointer.BeforeWrite();
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
            sequence = _nextSequence++;
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
        var columns = ColumnStatement(Segments.Of(sequence, _segmentRows), exists);
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
        while (_segments <= segment)
        {
            if (_segments > 0)
            {
                Segments.Index(_connection, _transaction, _segments - 1);
            }

            Segments.Create(_connection, _transaction, _segments);
            _segments++;
        }

        if (!_columns.TryGetValue((segment, update), out var statement))
        {
            var table = Segments.Table(segment);
            statement = new NativeStatement(_connection, update ? SegmentColumns.Update(table) : SegmentColumns.Insert(table));
            _columns[(segment, update)] = statement;
        }

        return statement;
    }

    /// <summary>A read-only store learns of the segments another connection began since it opened.</summary>
    private void RefreshSegments()
    {
        if (Options.ReadOnly)
        {
            _segments = Guard("read", () => Segments.Count(_connection, null));
        }
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

    private Flow DecodeRow(SqliteDataReader reader, bool bodiesRequired)
    {
        var sequence = reader.GetInt64(0);
        try
        {
            var record = (byte[])reader.GetValue(1);
            var requestBody = reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2);
            var responseBody = reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3);
            return Decode(sequence, record, requestBody, responseBody, bodiesRequired);
        }
        catch (InvalidCastException e)
        {
            throw Unreadable(sequence, e);
        }
        catch (SqliteException e)
        {
            throw Failure("read", e);
        }
    }

    private Flow Decode(long sequence, byte[] record, byte[]? requestBody, byte[]? responseBody, bool bodiesRequired)
    {
        try
        {
            return FlowCodec.Decode(record, requestBody, responseBody, bodiesRequired);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or InvalidCastException)
        {
            throw Unreadable(sequence, e);
        }
    }

    private SessionStoreException Unreadable(long sequence, Exception e) =>
        new(Path, e is NotSupportedException ? SessionStoreError.NewerSchema : SessionStoreError.Corrupt,
            $"Session file {Path} has a flow (row {sequence}) that cannot be read: {e.Message}", e);

    /// <summary>
    /// The id → seq map, read from the (seq, id) index the first time it is needed. A read-only store, which another
    /// connection writes to, reads the rows added since when it is asked for an id it does not know.
    /// </summary>
    private Dictionary<Guid, long> IdMap(IReadOnlySet<Guid>? wanted = null)
    {
        if (_ids is not null && (!Options.ReadOnly || wanted is null || wanted.All(_ids.ContainsKey)))
        {
            return _ids;
        }

        var ids = _ids ?? [];
        RefreshSegments();

        for (var segment = Segments.Of(_mappedUpTo + 1, _segmentRows); segment < _segments; segment++)
        {
            using var command = Command($"SELECT seq, id FROM {Segments.Table(segment)} WHERE seq > $after");
            command.Parameters.AddWithValue("$after", _mappedUpTo);
            using var reader = Guard("read", command.ExecuteReader);
            while (Guard("read", reader.Read))
            {
                var sequence = reader.GetInt64(0);
                ids[Guard("read", () => StoredId.Read(reader, 1))] = sequence;
                _mappedUpTo = Math.Max(_mappedUpTo, sequence);
            }
        }

        return _ids = ids;
    }

    private byte[] IdBytes(Guid id)
    {
        id.TryWriteBytes(_idBytes, bigEndian: true, out _);
        return _idBytes;
    }

    private void EnsureWritable(string operation)
    {
        if (Options.ReadOnly)
        {
            throw new SessionStoreException(Path, SessionStoreError.ReadOnly, $"Cannot {operation} session file {Path}: it was opened read-only.");
        }
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private T Scalar<T>(string sql)
    {
        using var command = Command(sql);
        return (T)command.ExecuteScalar()!;
    }

    private T Guard<T>(string operation, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (SqliteException e)
        {
            throw Failure(operation, e);
        }
        catch (InvalidDataException e)
        {
            throw new SessionStoreException(Path, SessionStoreError.Corrupt, $"Cannot {operation} session file {Path}: {e.Message}", e);
        }
    }

    /// <summary>Turns a SQLite error into one sentence that names the file, the operation and the reason.</summary>
    private SessionStoreException Failure(string operation, SqliteException e)
    {
        var (error, reason) = (e.SqliteErrorCode & 0xFF) switch
        {
            26 => (SessionStoreError.NotADatabase, "it is not a SQLite database"),
            11 => (SessionStoreError.Corrupt, "it is damaged"),
            5 or 6 => (SessionStoreError.Locked, "another connection holds a lock on it"),
            13 => (SessionStoreError.Full, "the disk is full or the session reached its size cap"),
            8 => (SessionStoreError.ReadOnly, "it is read-only"),
            14 => (SessionStoreError.NotFound, "it cannot be opened"),
            10 => (SessionStoreError.IoError, "the operating system reported an I/O error"),
            _ => (SessionStoreError.Other, "SQLite refused"),
        };
        return new SessionStoreException(Path, error, $"Cannot {operation} session file {Path}: {reason} ({e.Message.TrimEnd('.')}).", e);
    }
}
