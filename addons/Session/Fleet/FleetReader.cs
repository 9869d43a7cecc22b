using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Addons.Session.Fleet;

/// <summary>
/// Reads the fleet store: the summaries of the flows a query and a filter select (SQL narrows, the filter decides each
/// row from its columns, and the rows the columns cannot decide are decoded and matched whole), one flow by id, and
/// which of some flows match a filter. Thread-safe: each call takes connections of its own from the pool.
/// </summary>
internal sealed class FleetReader(FleetConnection store)
{
    /// <summary>Rows decided together: the undecided among them have their records read in one query and decoded on all cores.</summary>
    public const int Chunk = 1024;

    /// <summary>
    /// The flows <paramref name="query"/> reads that <paramref name="filter"/> (null: every flow) matches, in creation
    /// order, at most <paramref name="limit"/>.
    /// </summary>
    /// <exception cref="FleetStoreException">The store cannot be reached or read, or a record cannot be decoded.</exception>
    public FleetSelection Select(IFlowFilter? filter, FleetQuery query, int limit, CancellationToken cancellationToken = default)
    {
        return store.Run("be read", connection =>
        {
            // Through a cursor, a chunk at a time: stopping at the limit (or when cancelled) leaves the rest unread.
            var selection = new FleetSelection();
            using var transaction = connection.BeginTransaction();
            using (var declare = new NpgsqlCommand($"DECLARE fleet_select NO SCROLL CURSOR FOR SELECT {FleetSchema.SummaryColumns} FROM {FleetSchema.Table} WHERE {query.Where} ORDER BY created_at, id", connection, transaction))
            {
                query.Bind(declare);
                declare.ExecuteNonQuery();
            }

            using var fetch = new NpgsqlCommand($"FETCH {Chunk} FROM fleet_select", connection, transaction);
            var chunk = new List<(FlowSummary Summary, string HostId)>(Chunk);
            var exhausted = false;
            while (selection.Flows.Count < limit && !exhausted)
            {
                cancellationToken.ThrowIfCancellationRequested();
                chunk.Clear();
                using (var reader = fetch.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        chunk.Add((ReadSummary(reader), reader.GetString(12)));
                    }
                }

                exhausted = chunk.Count < Chunk;
                Decide(filter, chunk, selection, limit, cancellationToken);
            }

            // Stopped at the limit with rows left unread: some of them may match.
            selection.Truncated |= !exhausted;
            return selection;
        });
    }

    /// <summary>
    /// The flows <paramref name="query"/> reads that <paramref name="filter"/> (null: every flow) matches, whole, in
    /// creation order, streamed from one query: what <c>-r postgresql://...</c> reads.
    /// </summary>
    /// <exception cref="FleetStoreException">The store cannot be reached or read, or a record cannot be decoded.</exception>
    public IEnumerable<Flow> ReadFlows(IFlowFilter? filter, FleetQuery query)
    {
        NpgsqlConnection connection;
        try
        {
            connection = store.Source.OpenConnection();
        }
        catch (Exception e) when (FleetConnection.IsStoreFailure(e))
        {
            throw store.Failed("be read", e);
        }

        using (connection)
        {
            using var command = new NpgsqlCommand($"SELECT id, record, request_body, response_body FROM {FleetSchema.Table} WHERE {query.Where} ORDER BY created_at, id", connection);
            query.Bind(command);
            using var reader = Guard(() => command.ExecuteReader());
            while (Guard(reader.Read))
            {
                var flow = Decode(Guard(() => ReadRecord(reader)));
                if (filter is null || filter.Matches(flow))
                {
                    yield return flow;
                }
            }
        }
    }

    /// <summary>One flow with its bodies, or null when the store holds none with this id.</summary>
    /// <exception cref="FleetStoreException">The store cannot be reached or read, or the record cannot be decoded.</exception>
    public Flow? Load(Guid id)
    {
        return store.Run($"load flow {id}", connection =>
        {
            using var command = new NpgsqlCommand($"SELECT id, record, request_body, response_body FROM {FleetSchema.Table} WHERE id = @id LIMIT 1", connection);
            command.Parameters.Add(new NpgsqlParameter<Guid>("id", NpgsqlDbType.Uuid) { TypedValue = id });
            using var reader = command.ExecuteReader();
            return reader.Read() ? Decode(ReadRecord(reader)) : null;
        });
    }

    /// <summary>Which of <paramref name="ids"/> the store holds and <paramref name="filter"/> matches.</summary>
    /// <exception cref="FleetStoreException">The store cannot be reached or read, or a record cannot be decoded.</exception>
    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        return store.Run("be read", connection =>
        {
            var matched = new HashSet<Guid>();
            foreach (var part in ids.Chunk(Chunk * 8))
            {
                using var command = new NpgsqlCommand($"SELECT {FleetSchema.SummaryColumns} FROM {FleetSchema.Table} WHERE id = ANY(@ids)", connection);
                command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = part });
                var rows = new List<(FlowSummary Summary, string HostId)>(part.Length);
                using (var reader = command.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        rows.Add((ReadSummary(reader), reader.GetString(12)));
                    }
                }

                foreach (var rowChunk in rows.Chunk(Chunk))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var selection = new FleetSelection();
                    Decide(filter, rowChunk, selection, int.MaxValue, cancellationToken);
                    matched.UnionWith(selection.Flows.Select(f => f.Id));
                }
            }

            return (IReadOnlySet<Guid>)matched;
        });
    }

    /// <summary>Adds the rows of <paramref name="chunk"/> that match to <paramref name="selection"/>, in order, up to <paramref name="limit"/>.</summary>
    private void Decide(IFlowFilter? filter, IReadOnlyList<(FlowSummary Summary, string HostId)> chunk, FleetSelection selection, int limit, CancellationToken cancellationToken)
    {
        var decided = new bool?[chunk.Count];
        List<Guid>? undecided = null;
        for (var i = 0; i < chunk.Count; i++)
        {
            decided[i] = filter is null ? true : filter.MatchesSummary(chunk[i].Summary);
            if (decided[i] is null)
            {
                (undecided ??= []).Add(chunk[i].Summary.Id);
            }
        }

        if (undecided is not null)
        {
            var matches = MatchRecords(filter!, undecided, cancellationToken);
            for (var i = 0; i < chunk.Count; i++)
            {
                decided[i] ??= matches.Contains(chunk[i].Summary.Id);
            }
        }

        selection.Read += chunk.Count;
        selection.Decoded += undecided?.Count ?? 0;
        for (var i = 0; i < chunk.Count; i++)
        {
            if (decided[i] != true)
            {
                continue;
            }

            if (selection.Flows.Count == limit)
            {
                selection.Truncated = true;
                break;
            }

            selection.Add(chunk[i].Summary, chunk[i].HostId);
        }
    }

    /// <summary>Reads the records of <paramref name="ids"/>, decodes them on all cores and returns those that match.</summary>
    private HashSet<Guid> MatchRecords(IFlowFilter filter, List<Guid> ids, CancellationToken cancellationToken)
    {
        var records = new List<(Guid Id, byte[] Record, byte[]? RequestBody, byte[]? ResponseBody)>(ids.Count);
        store.Run("be read", connection =>
        {
            using var command = new NpgsqlCommand($"SELECT id, record, request_body, response_body FROM {FleetSchema.Table} WHERE id = ANY(@ids)", connection);
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = [.. ids] });
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                records.Add(ReadRecord(reader));
            }

            return records;
        });

        var found = new bool[records.Count];
        try
        {
            Parallel.For(0, records.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => found[i] = filter.Matches(Decode(records[i])));
        }
        catch (AggregateException e) when (e.InnerExceptions[0] is FleetStoreException damaged)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(damaged).Throw();
        }

        return [.. records.Where((_, i) => found[i]).Select(r => r.Id)];
    }

    private T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (FleetConnection.IsStoreFailure(e))
        {
            throw store.Failed("be read", e);
        }
    }

    private Flow Decode((Guid Id, byte[] Record, byte[]? RequestBody, byte[]? ResponseBody) row)
    {
        try
        {
            return FlowCodec.Decode(row.Record, row.RequestBody, row.ResponseBody, bodiesRequired: true);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or InvalidCastException)
        {
            throw new FleetStoreException($"Flow {row.Id} in the fleet store ({store.Name}) cannot be read: {e.Message}", e);
        }
    }

    private static (Guid Id, byte[] Record, byte[]? RequestBody, byte[]? ResponseBody) ReadRecord(NpgsqlDataReader reader) =>
        (reader.GetGuid(0), reader.GetFieldValue<byte[]>(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3));

    private static FlowSummary ReadSummary(NpgsqlDataReader reader)
    {
        var url = reader.GetString(4);
        return new FlowSummary
        {
            Id = reader.GetGuid(0),
            Type = FlowType.Http,
            TimestampCreated = reader.GetFieldValue<DateTimeOffset>(1),
            Method = reader.GetString(2),
            Host = reader.GetString(3),
            Url = url,
            StatusCode = reader.IsDBNull(5) ? null : reader.GetInt32(5),
            Size = (reader.IsDBNull(6) ? 0 : reader.GetInt64(6)) + (reader.IsDBNull(7) ? 0 : reader.GetInt64(7)),
            Marked = reader.GetString(8),
            HasError = reader.GetBoolean(9),
            PrettyUrl = reader.IsDBNull(10) ? url : reader.GetString(10),
            PrettyHost = reader.IsDBNull(11) ? null : reader.GetString(11),
        };
    }
}
