using Addons.Session.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Addons.Session.Fleet;

/// <summary>
/// Writes batches of encoded flows to the fleet store, tagged with this host's id, each in one transaction: a batch is
/// copied with binary COPY straight into the flows; one that holds a flow stored already (written again: marked,
/// replayed), which the table's key refuses, is copied instead into a temporary staging table and merged, so that the
/// flow replaces its row. The day partitions a batch needs are created
/// first. One connection, kept open between batches and opened again after a failure. Not thread-safe: the session's
/// writer thread owns it.
/// </summary>
internal sealed class FleetWriter(FleetConnection store, string hostId) : IDisposable
{
    // A flow written again keeps the host that captured it, also when another host writes it (one that opened it from
    // the store and marked it).
    private static readonly string Merge = $"""
        INSERT INTO {FleetSchema.Table} ({FleetSchema.WrittenColumns})
        SELECT {FleetSchema.WrittenColumns} FROM {FleetSchema.Stage}
        ON CONFLICT (id, created_at) DO UPDATE SET
            {string.Join(", ", FleetSchema.WrittenColumns.Split(", ").Where(c => c is not "id" and not "created_at" and not "host_id").Select(c => $"{c} = EXCLUDED.{c}"))},
            written_at = clock_timestamp()
        """;

    private readonly HashSet<DateOnly> _partitions = [];
    private NpgsqlConnection? _connection;

    /// <summary>Writes <paramref name="flows"/> in one transaction: all of them or, on failure, none.</summary>
    /// <exception cref="FleetStoreException">The store could not be reached or refused the batch; nothing was written.</exception>
    public void WriteBatch(IReadOnlyList<EncodedFlow> flows)
    {
        if (flows.Count == 0)
        {
            return;
        }

        try
        {
            try
            {
                Store(flows);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation)
            {
                // No partition for a row: a day this writer made was dropped since (session.fleet.drop). Made again.
                _partitions.Clear();
                Store(flows);
            }
        }
        catch (Exception e) when (FleetConnection.IsStoreFailure(e))
        {
            // The connection may be broken or mid-transaction: the next batch starts on a new one.
            Reset();
            throw store.Failed($"take a batch of {flows.Count} flows (the first {flows[0].Id})", e);
        }
    }

    public void Dispose() => Reset();

    private void Store(IReadOnlyList<EncodedFlow> flows)
    {
        var connection = Connection();
        EnsurePartitions(connection, flows);
        if (!TryAppend(connection, flows))
        {
            using var transaction = connection.BeginTransaction();
            Copy(connection, FleetSchema.Stage, flows);
            FleetSchema.Execute(connection, Merge);
            transaction.Commit();
        }
    }

    /// <summary>
    /// Copies the batch straight into the flows, which is all a batch of new flows needs: false, with nothing written,
    /// when a flow of it is stored already (written again: marked, replayed), for the merge to replace.
    /// </summary>
    private bool TryAppend(NpgsqlConnection connection, IReadOnlyList<EncodedFlow> flows)
    {
        var transaction = connection.BeginTransaction();
        try
        {
            Copy(connection, FleetSchema.Table, flows);
            transaction.Commit();
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            transaction.Rollback();
            return false;
        }
        finally
        {
            transaction.Dispose();
        }
    }

    private void Copy(NpgsqlConnection connection, string table, IReadOnlyList<EncodedFlow> flows)
    {
        using var copy = connection.BeginBinaryImport($"COPY {table} ({FleetSchema.WrittenColumns}) FROM STDIN (FORMAT BINARY)");
        foreach (var flow in flows)
        {
            Write(copy, flow);
        }

        copy.Complete();
    }

    private NpgsqlConnection Connection()
    {
        if (_connection is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }

        Reset();
        var connection = store.Source.OpenConnection();
        try
        {
            FleetSchema.CreateStage(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return _connection = connection;
    }

    private void Reset()
    {
        _connection?.Dispose();
        _connection = null;
    }

    private void EnsurePartitions(NpgsqlConnection connection, IReadOnlyList<EncodedFlow> flows)
    {
        List<DateOnly>? missing = null;
        foreach (var flow in flows)
        {
            var day = DateOnly.FromDateTime(UnixTicks.To(flow.Timestamp).UtcDateTime);
            if (!_partitions.Contains(day) && !(missing ??= []).Contains(day))
            {
                missing.Add(day);
            }
        }

        if (missing is null)
        {
            return;
        }

        FleetSchema.EnsurePartitions(connection, missing);
        _partitions.UnionWith(missing);
    }

    private void Write(NpgsqlBinaryImporter copy, EncodedFlow flow)
    {
        copy.StartRow();
        copy.Write(hostId, NpgsqlDbType.Text);
        copy.Write(flow.Id, NpgsqlDbType.Uuid);
        copy.Write(UnixTicks.To(flow.Timestamp), NpgsqlDbType.TimestampTz);
        copy.Write(ColumnText.Of(flow.Method), NpgsqlDbType.Text);
        copy.Write(ColumnText.Of(flow.Host), NpgsqlDbType.Text);
        copy.Write(ColumnText.Of(flow.Url), NpgsqlDbType.Text);
        WriteOrNull(copy, flow.Status, NpgsqlDbType.Integer);
        WriteOrNull(copy, flow.RequestSize, NpgsqlDbType.Bigint);
        WriteOrNull(copy, flow.ResponseSize, NpgsqlDbType.Bigint);
        copy.Write(ColumnText.Of(flow.Marker), NpgsqlDbType.Text);
        copy.Write(flow.HasError, NpgsqlDbType.Boolean);
        WriteOrNull(copy, flow.PrettyUrl is { } prettyUrl ? ColumnText.Of(prettyUrl) : null, NpgsqlDbType.Text);
        WriteOrNull(copy, flow.PrettyHost is { } prettyHost ? ColumnText.Of(prettyHost) : null, NpgsqlDbType.Text);
        copy.Write(flow.RecordMemory, NpgsqlDbType.Bytea);
        WriteOrNull(copy, flow.RequestBody, NpgsqlDbType.Bytea);
        WriteOrNull(copy, flow.ResponseBody, NpgsqlDbType.Bytea);
    }

    private static void WriteOrNull<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type)
        where T : class
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, type);
        }
    }

    private static void WriteOrNull<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type)
        where T : struct
    {
        if (value is { } present)
        {
            copy.Write(present, type);
        }
        else
        {
            copy.WriteNull();
        }
    }
}
