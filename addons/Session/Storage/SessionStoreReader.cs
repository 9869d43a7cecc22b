using Addons.Abstractions.Flows;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>
/// Reads a session file: every flow for a restore, one flow by id, bodies stored apart, the summaries of the cold
/// flows (from the segments, without decoding records), counts and sizes.
/// </summary>
internal sealed class SessionStoreReader(SessionFile file, FlowIdMap ids, RecordDecoder decoder)
{
    private readonly SessionFile _file = file;
    private readonly FlowIdMap _ids = ids;
    private readonly RecordDecoder _decoder = decoder;

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
        using var command = _file.Command(Sql);
        command.Parameters.AddWithValue("$after", SequenceOfRow(skip));
        using var reader = _file.Guard("read", command.ExecuteReader);

        // Records are read here and decoded on all cores a chunk at a time, the next chunk read while one decodes.
        var chunk = new List<Candidate>(RecordDecoder.Chunk);
        Task<Flow[]>? decoding = null;
        while (_file.Guard("read", reader.Read))
        {
            chunk.Add(ReadCandidate(reader));
            if (chunk.Count < RecordDecoder.Chunk)
            {
                continue;
            }

            var previous = decoding;
            var next = chunk;
            chunk = new List<Candidate>(RecordDecoder.Chunk);
            decoding = Task.Run(() => DecodeInOrder(next));
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

        foreach (var flow in DecodeInOrder(chunk))
        {
            yield return flow;
        }
    }

    /// <summary>The row key of the <paramref name="row"/>-th stored flow (1-based; 0 for none), found in the narrow segments.</summary>
    private long SequenceOfRow(long row)
    {
        _file.RefreshSegments();
        for (var segment = 0; segment < _file.SegmentCount && row > 0; segment++)
        {
            var table = Segments.Table(segment);
            var count = _file.Guard("read", () => _file.Scalar<long>($"SELECT count(*) FROM {table}"));
            if (row <= count)
            {
                using var command = _file.Command($"SELECT seq FROM {table} ORDER BY seq LIMIT 1 OFFSET $offset");
                command.Parameters.AddWithValue("$offset", row - 1);
                return _file.Guard("read", () => (long)command.ExecuteScalar()!);
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
            throw _decoder.Unreadable(sequence, e);
        }
        catch (SqliteException e)
        {
            throw _file.Failure("read", e);
        }
    }

    /// <summary>Decodes rows on all cores, in their order; a damaged record is the error of the first one met.</summary>
    private Flow[] DecodeInOrder(List<Candidate> rows)
    {
        var flows = new Flow[rows.Count];
        _decoder.DecodeAll(rows, (i, flow) => flows[i] = flow, CancellationToken.None);
        return flows;
    }

    /// <summary>One stored flow, or <c>null</c> when no flow has this id. Without <paramref name="includeBodies"/>, bodies stored apart are left <c>null</c>.</summary>
    public Flow? ReadFlow(Guid id, bool includeBodies = true)
    {
        if (!_ids.Get().TryGetValue(id, out var sequence))
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
        using var command = _file.Command(sql);
        command.Parameters.AddWithValue("$seq", sequence);
        using var reader = _file.Guard("read", command.ExecuteReader);
        return _file.Guard("read", reader.Read) ? DecodeRow(reader, bodiesRequired: includeBodies) : null;
    }

    private Flow DecodeRow(SqliteDataReader reader, bool bodiesRequired)
    {
        var sequence = reader.GetInt64(0);
        try
        {
            var record = (byte[])reader.GetValue(1);
            var requestBody = reader.IsDBNull(2) ? null : (byte[])reader.GetValue(2);
            var responseBody = reader.IsDBNull(3) ? null : (byte[])reader.GetValue(3);
            return _decoder.Decode(sequence, record, requestBody, responseBody, bodiesRequired);
        }
        catch (InvalidCastException e)
        {
            throw _decoder.Unreadable(sequence, e);
        }
        catch (SqliteException e)
        {
            throw _file.Failure("read", e);
        }
    }

    /// <summary>The number of stored flows.</summary>
    public long Count()
    {
        // Counted over the narrow segments: counting the record table would read every record's pages.
        _file.RefreshSegments();
        return _file.Guard("read", () => _file.SegmentCount == 0 ? 0 : _file.Scalar<long>(
            "SELECT " + string.Join(" + ", Enumerable.Range(0, _file.SegmentCount).Select(k => $"(SELECT count(*) FROM {Segments.Table(k)})"))));
    }

    /// <summary>
    /// The summaries of the first <paramref name="limit"/> stored flows (all without a limit), in insertion order, from
    /// their columns without decoding records: what the View keeps of a cold flow. Streams.
    /// </summary>
    public IEnumerable<FlowSummary> ReadSummaries(long? limit = null)
    {
        _file.RefreshSegments();
        var remaining = limit ?? long.MaxValue;
        var row = new SummaryRow(new TextPool());
        for (var segment = 0; segment < _file.SegmentCount && remaining > 0; segment++)
        {
            using var command = _file.Command($"SELECT {SegmentColumns.SummaryNames} FROM {Segments.Table(segment)} ORDER BY seq LIMIT $limit");
            command.Parameters.AddWithValue("$limit", remaining == long.MaxValue ? -1 : remaining);
            using var reader = _file.Guard("read", command.ExecuteReader);
            while (_file.Guard("read", reader.Read))
            {
                remaining--;
                yield return _file.Guard("read", () => SegmentColumns.ReadSummary(reader, row));
            }
        }
    }

    /// <summary>A body stored apart, or <c>null</c> when that flow has none on that side (its body, if any, is inside its record).</summary>
    public byte[]? LoadBody(Guid id, BodySide side)
    {
        if (!_ids.Get().TryGetValue(id, out var sequence))
        {
            return null;
        }

        using var command = _file.Command("SELECT content FROM body WHERE flow = $seq AND side = $side");
        command.Parameters.AddWithValue("$seq", sequence);
        command.Parameters.AddWithValue("$side", (int)side);
        return _file.Guard("read", () => command.ExecuteScalar() as byte[]);
    }

    /// <summary>How many flows and bytes the session holds.</summary>
    public SessionStats Stats()
    {
        var flows = Count();
        return _file.Guard("read", () =>
        {
            using var command = _file.Command("""
                SELECT (SELECT count(*) FROM body), (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size())
                """);
            using var reader = command.ExecuteReader();
            reader.Read();
            var wal = new FileInfo(_file.Path + "-wal");
            return new SessionStats(flows, reader.GetInt64(0), reader.GetInt64(1), wal.Exists ? wal.Length : 0);
        });
    }
}
