using Addons.Abstractions.Filters;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>
/// Decides which stored flows match a filter: from their segment columns where those decide, else by decoding their
/// records on all cores.
/// </summary>
internal sealed class SessionStoreMatcher(SessionFile file, FlowIdMap ids, SessionStoreReader reader, RecordDecoder decoder)
{
    private const int SideRequest = (int)BodySide.Request;

    private readonly SessionFile _file = file;
    private readonly FlowIdMap _ids = ids;
    private readonly SessionStoreReader _reader = reader;
    private readonly RecordDecoder _decoder = decoder;

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

            var id = _file.Guard("read", () => StoredId.Read(reader, 0));
            if (!wanted.Contains(id))
            {
                continue;
            }

            switch (filter.MatchesSummary(_file.Guard("read", () => SegmentColumns.ReadSummary(reader, row))))
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
        using var bodies = _file.Command("SELECT side, content FROM body WHERE flow = $seq");
        var bodySequence = bodies.Parameters.Add("$seq", SqliteType.Integer);
        var chunk = new List<Candidate>(RecordDecoder.Chunk);

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
                using var bodyReader = _file.Guard("read", bodies.ExecuteReader);
                while (_file.Guard("read", bodyReader.Read))
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

            chunk.Add(new Candidate(id, sequence, _file.Guard("read", () => (byte[])reader.GetValue(2)), requestBody, responseBody));
            if (chunk.Count == RecordDecoder.Chunk)
            {
                decoding.GetAwaiter().GetResult();
                var next = chunk;
                chunk = new List<Candidate>(RecordDecoder.Chunk);
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
        if (wanted.Count * 8L < _reader.Count())
        {
            var map = _ids.Get(wanted);
            var sequences = wanted.Select(id => map.TryGetValue(id, out var sequence) ? sequence : 0).Where(sequence => sequence > 0).Order();
            foreach (var reader in RowsByKey(sequences, segment => $"SELECT {SegmentColumns.SummaryNames}, seq FROM {Segments.Table(segment)} WHERE seq = $seq"))
            {
                yield return reader;
            }

            yield break;
        }

        _file.RefreshSegments();
        for (var segment = 0; segment < _file.SegmentCount; segment++)
        {
            using var all = _file.Command($"SELECT {SegmentColumns.SummaryNames}, seq FROM {Segments.Table(segment)} ORDER BY seq");
            using var reader = _file.Guard("read", all.ExecuteReader);
            while (_file.Guard("read", reader.Read))
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

        if (sequences.Count * 8L < _reader.Count())
        {
            foreach (var reader in RowsByKey(sequences, _ => "SELECT seq, bodies_apart, record FROM record WHERE seq = $seq"))
            {
                yield return reader;
            }

            yield break;
        }

        using var all = _file.Command("SELECT seq, bodies_apart, record FROM record ORDER BY seq");
        using var pass = _file.Guard("read", all.ExecuteReader);
        while (_file.Guard("read", pass.Read))
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
                if (Segments.Of(sequence, _file.SegmentRows) != segment || command is null)
                {
                    segment = Segments.Of(sequence, _file.SegmentRows);
                    command?.Dispose();
                    command = _file.Command(sql(segment));
                    command.Parameters.Add("$seq", SqliteType.Integer);
                }

                command.Parameters[0].Value = sequence;
                using var row = _file.Guard("read", command.ExecuteReader);
                if (_file.Guard("read", row.Read))
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
        _decoder.DecodeAll(candidates, (i, flow) => found[i] = filter.Matches(flow), cancellationToken);
        for (var i = 0; i < found.Length; i++)
        {
            if (found[i])
            {
                matched.Add(candidates[i].Id);
            }
        }
    }
}
