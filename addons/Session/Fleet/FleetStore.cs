using Npgsql;

namespace Addons.Session.Fleet;

/// <summary>
/// The fleet store: flows of many hosts in one PostgreSQL database (see <see cref="FleetSchema"/>). Opening it checks
/// the server, creates the tables if needed, refuses a schema newer than this build's, and claims this host's id for as
/// long as the store is open, so that two hosts given the same id do not mix their flows unnoticed.
/// </summary>
internal sealed class FleetStore : IDisposable
{
    private readonly NpgsqlConnection? _claim;

    private FleetStore(FleetConnection connection, string hostId, NpgsqlConnection? claim)
    {
        Connection = connection;
        HostId = hostId;
        _claim = claim;
        Reader = new FleetReader(connection);
    }

    public FleetConnection Connection { get; }

    /// <summary>The store as messages name it.</summary>
    public string Name => Connection.Name;

    /// <summary>The id this host's flows are tagged with.</summary>
    public string HostId { get; }

    public FleetReader Reader { get; }

    /// <summary>Opens the store at <paramref name="connectionString"/> for the host <paramref name="hostId"/>.</summary>
    /// <param name="option">The option the connection string came from, for messages.</param>
    /// <exception cref="FleetStoreException">
    /// The connection string is malformed, the server cannot be reached, the schema is newer, or another host holds the id.
    /// </exception>
    public static FleetStore Open(string connectionString, string hostId, string option = "session_postgres")
    {
        if (string.IsNullOrWhiteSpace(hostId))
        {
            throw new FleetStoreException("session_host_id is empty: every host writing to a fleet store needs an id of its own.");
        }

        var connection = FleetConnection.Parse(connectionString, option);
        NpgsqlConnection? claim = null;
        try
        {
            claim = connection.Open();
            var version = FleetSchema.Ensure(claim);
            if (version > FleetSchema.Version)
            {
                throw new FleetStoreException($"The fleet store ({connection.Name}) has schema version {version}, newer than this build's {FleetSchema.Version}; upgrade the host to write to it.");
            }

            using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended('addons host ' || @id, 0))", claim);
            command.Parameters.AddWithValue("id", hostId);
            if (command.ExecuteScalar() is not true)
            {
                throw new FleetStoreException($"Host id {hostId} is in use by another host writing to the fleet store ({connection.Name}); give each host its own session_host_id.");
            }

            return new FleetStore(connection, hostId, claim);
        }
        catch (Exception e) when (FleetConnection.IsStoreFailure(e))
        {
            claim?.Dispose();
            connection.Source.Dispose();
            throw connection.Failed("be opened", e);
        }
        catch
        {
            claim?.Dispose();
            connection.Source.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens an existing store to read it only: nothing is created, no host id is claimed, and <see cref="CreateWriter"/>
    /// is not to be called.
    /// </summary>
    /// <exception cref="FleetStoreException">The connection string is malformed, the server cannot be reached, or the database holds no fleet store or a newer one.</exception>
    public static FleetStore OpenToRead(string connectionString, string option)
    {
        var connection = FleetConnection.Parse(connectionString, option);
        try
        {
            var version = connection.Run("be opened", FleetSchema.Find);
            if (version is null)
            {
                throw new FleetStoreException($"The {connection.Name} holds no fleet store (no addons_flow table); a host with session_postgres set creates one.");
            }

            if (version > FleetSchema.Version)
            {
                throw new FleetStoreException($"The fleet store ({connection.Name}) has schema version {version}, newer than this build's {FleetSchema.Version}; upgrade the host to read it.");
            }

            return new FleetStore(connection, "", claim: null);
        }
        catch
        {
            connection.Source.Dispose();
            throw;
        }
    }

    /// <summary>A writer of this host's flows (one per writing thread).</summary>
    public FleetWriter CreateWriter() => new(Connection, HostId);

    /// <summary>Drops the day partitions before <paramref name="before"/>, every host's; returns the days dropped.</summary>
    /// <exception cref="FleetStoreException">The store cannot be reached or refused.</exception>
    public List<DateOnly> DropBefore(DateOnly before)
    {
        return Connection.Run($"drop the flows before {before:yyyy-MM-dd}", connection => FleetSchema.DropBefore(connection, before));
    }

    public void Dispose()
    {
        _claim?.Dispose();
        Connection.Source.Dispose();
    }
}
