using Addons.Session.Fleet;
using Addons.Session.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Addons.Session.FleetBench;

/// <summary>
/// The baseline: batched INSERTs with the same upsert, each a prepared multi-row statement of <see cref="RowsPerStatement"/>
/// rows (PostgreSQL takes at most 65,535 parameters a statement), all of a batch in one transaction.
/// </summary>
internal sealed class InsertCase() : WriteCase($"batched INSERT ... ON CONFLICT, {RowsPerStatement} rows a statement")
{
    public const int RowsPerStatement = 500;
    private static readonly string[] Columns = FleetSchema.WrittenColumns.Split(", ");
    private FleetStore? _store;
    private NpgsqlConnection? _connection;

    public override void Open(string connectionString)
    {
        _store = FleetStore.Open(connectionString, "bench");
        _connection = _store.Connection.Source.OpenConnection();
        // The partition of the benchmark's day, as the writer would make it.
        FleetSchema.EnsurePartitions(_connection, [new DateOnly(2024, 11, 26)]);
    }

    public override void Write(IReadOnlyList<EncodedFlow> batch)
    {
        using var transaction = _connection!.BeginTransaction();
        for (var start = 0; start < batch.Count; start += RowsPerStatement)
        {
            var count = Math.Min(RowsPerStatement, batch.Count - start);
            using var command = new NpgsqlCommand(Sql(count), _connection, transaction);
            for (var i = 0; i < count; i++)
            {
                Bind(command, batch[start + i]);
            }

            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public override void Close()
    {
        _connection?.Dispose();
        _store?.Dispose();
    }

    private static string Sql(int rows)
    {
        var values = string.Join(", ", Enumerable.Range(0, rows).Select(r => $"({string.Join(", ", Enumerable.Range(0, Columns.Length).Select(c => $"${r * Columns.Length + c + 1}"))})"));
        var updates = string.Join(", ", Columns.Where(c => c is not "id" and not "created_at" and not "host_id").Select(c => $"{c} = EXCLUDED.{c}"));
        return $"INSERT INTO {FleetSchema.Table} ({FleetSchema.WrittenColumns}) VALUES {values} ON CONFLICT (id, created_at) DO UPDATE SET {updates}";
    }

    private static void Bind(NpgsqlCommand command, EncodedFlow flow)
    {
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string>{ TypedValue = "bench", NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<Guid>{ TypedValue = flow.Id, NpgsqlDbType = NpgsqlDbType.Uuid });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = UnixTicks.To(flow.Timestamp), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = flow.Method, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = flow.Host, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = flow.Url, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)flow.Status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        parameters.Add(new NpgsqlParameter { Value = (object?)flow.RequestSize ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        parameters.Add(new NpgsqlParameter { Value = (object?)flow.ResponseSize ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = flow.Marker, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<bool> { TypedValue = flow.HasError, NpgsqlDbType = NpgsqlDbType.Boolean });
        parameters.Add(new NpgsqlParameter { Value = (object?)flow.PrettyUrl ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)flow.PrettyHost ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = flow.RecordMemory, NpgsqlDbType = NpgsqlDbType.Bytea });
        parameters.Add(new NpgsqlParameter { Value = (object?)flow.RequestBody ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        parameters.Add(new NpgsqlParameter { Value = (object?)flow.ResponseBody ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
    }
}
