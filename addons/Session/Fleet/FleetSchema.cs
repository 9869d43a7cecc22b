using System.Globalization;
using Npgsql;

namespace Addons.Session.Fleet;

/// <summary>
/// The fleet store's tables in PostgreSQL: one table of flows for every host, each row tagged with its host's id,
/// partitioned by the flow's creation time into one partition per UTC day, so that a day of old flows drops with one
/// <c>DROP TABLE</c> and a query over a time range reads only its days. The columns are the session file's indexed
/// columns (see <c>SegmentColumns</c>) beside the same protobuf record and the bodies stored apart.
/// </summary>
internal static class FleetSchema
{
    /// <summary>The schema's version; a store of a newer one is refused rather than written wrongly.</summary>
    public const int Version = 1;

    public const string Table = "addons_flow";

    /// <summary>The staging table a batch is copied into before it is merged (a flow written again replaces its row).</summary>
    public const string Stage = "addons_flow_stage";

    /// <summary>The columns a batch writes, in the order of <see cref="FleetWriter"/>'s COPY.</summary>
    public const string WrittenColumns =
        "host_id, id, created_at, method, host, url, status, request_size, response_size, marker, error, pretty_url, pretty_host, record, request_body, response_body";

    /// <summary>The columns a summary is read from, in the order <see cref="FleetSummaries"/> reads them.</summary>
    public const string SummaryColumns =
        "id, created_at, method, host, url, status, request_size, response_size, marker, error, pretty_url, pretty_host, host_id";

    private static readonly string Create = $"""
        CREATE TABLE IF NOT EXISTS addons_schema (name text PRIMARY KEY, version integer NOT NULL);
        CREATE TABLE IF NOT EXISTS {Table} (
            host_id text NOT NULL,
            id uuid NOT NULL,
            created_at timestamptz NOT NULL,
            method text NOT NULL,
            host text NOT NULL,
            url text NOT NULL,
            status integer,
            request_size bigint,
            response_size bigint,
            marker text NOT NULL DEFAULT '',
            error boolean NOT NULL DEFAULT false,
            pretty_url text,
            pretty_host text,
            record bytea NOT NULL,
            request_body bytea,
            response_body bytea,
            written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (id, created_at)
        ) PARTITION BY RANGE (created_at);
        CREATE INDEX IF NOT EXISTS {Table}_created ON {Table} (created_at);
        CREATE INDEX IF NOT EXISTS {Table}_host_id ON {Table} (host_id, created_at);
        CREATE INDEX IF NOT EXISTS {Table}_host ON {Table} (host);
        CREATE INDEX IF NOT EXISTS {Table}_status ON {Table} (status);
        INSERT INTO addons_schema (name, version) VALUES ('fleet', {Version}) ON CONFLICT (name) DO NOTHING;
        DO $$ BEGIN
            ALTER TABLE {Table} ALTER COLUMN record SET COMPRESSION lz4, ALTER COLUMN request_body SET COMPRESSION lz4, ALTER COLUMN response_body SET COMPRESSION lz4;
        EXCEPTION WHEN feature_not_supported THEN NULL;
        END $$;
        """;

    // Hosts starting together would race to create the tables and the day's partitions; a transaction-scoped advisory
    // lock makes them take turns. The number is arbitrary and only has to be this store's own.
    private const long DdlLock = 0x6164646F6E73_01;

    /// <summary>Creates the tables if they are missing, and returns the store's schema version.</summary>
    public static int Ensure(NpgsqlConnection connection)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, $"SELECT pg_advisory_xact_lock({DdlLock})");
        Execute(connection, Create);
        using var version = new NpgsqlCommand("SELECT version FROM addons_schema WHERE name = 'fleet'", connection);
        var found = Convert.ToInt32(version.ExecuteScalar(), CultureInfo.InvariantCulture);
        transaction.Commit();
        return found;
    }

    /// <summary>The store's schema version without creating anything: null when the database holds no fleet store.</summary>
    public static int? Find(NpgsqlConnection connection)
    {
        using var exists = new NpgsqlCommand("SELECT to_regclass('addons_schema') IS NOT NULL AND to_regclass('addons_flow') IS NOT NULL", connection);
        if (exists.ExecuteScalar() is not true)
        {
            return null;
        }

        using var version = new NpgsqlCommand("SELECT version FROM addons_schema WHERE name = 'fleet'", connection);
        return version.ExecuteScalar() is { } found and not DBNull ? Convert.ToInt32(found, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>The partition that holds the flows created on <paramref name="day"/> (UTC).</summary>
    public static string Partition(DateOnly day) => $"{Table}_p{day:yyyyMMdd}";

    /// <summary>Creates the partitions of <paramref name="days"/> that do not exist yet.</summary>
    public static void EnsurePartitions(NpgsqlConnection connection, IEnumerable<DateOnly> days)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, $"SELECT pg_advisory_xact_lock({DdlLock})");
        foreach (var day in days)
        {
            var from = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var to = day.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            Execute(connection, $"CREATE TABLE IF NOT EXISTS {Partition(day)} PARTITION OF {Table} FOR VALUES FROM ('{from} 00:00:00+00') TO ('{to} 00:00:00+00')");
        }

        transaction.Commit();
    }

    /// <summary>The days that have a partition, oldest first.</summary>
    public static List<DateOnly> Partitions(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand(
            $"SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = '{Table}'",
            connection);
        using var reader = command.ExecuteReader();
        var days = new List<DateOnly>();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            if (DateOnly.TryParseExact(name.AsSpan(Table.Length + 2), "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                days.Add(day);
            }
        }

        days.Sort();
        return days;
    }

    /// <summary>Drops the partitions of the days before <paramref name="before"/>; returns the days dropped.</summary>
    public static List<DateOnly> DropBefore(NpgsqlConnection connection, DateOnly before)
    {
        using var transaction = connection.BeginTransaction();
        Execute(connection, $"SELECT pg_advisory_xact_lock({DdlLock})");
        var dropped = Partitions(connection).Where(day => day < before).ToList();
        foreach (var day in dropped)
        {
            Execute(connection, $"DROP TABLE {Partition(day)}");
        }

        transaction.Commit();
        return dropped;
    }

    /// <summary>The per-connection staging table of <see cref="FleetWriter"/>, emptied at each commit.</summary>
    public static void CreateStage(NpgsqlConnection connection) =>
        Execute(connection, $"CREATE TEMP TABLE IF NOT EXISTS {Stage} (LIKE {Table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");

    public static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
