using System.Net.Sockets;
using Npgsql;

namespace Addons.Session.Fleet;

/// <summary>
/// Where the fleet store is (from an Npgsql connection string), as messages name it, and the translation of what
/// PostgreSQL or the network said into one sentence. The password never appears in a message.
/// </summary>
internal sealed class FleetConnection
{
    private FleetConnection(NpgsqlDataSource source, string name)
    {
        Source = source;
        Name = name;
    }

    /// <summary>Opens connections to the store (pooled).</summary>
    public NpgsqlDataSource Source { get; }

    /// <summary>The store as messages name it: <c>PostgreSQL database addons at 127.0.0.1:5432</c>.</summary>
    public string Name { get; }

    /// <summary>Reads an Npgsql connection string; a malformed one is a sentence naming the option.</summary>
    /// <exception cref="FleetStoreException">The connection string cannot be read.</exception>
    public static FleetConnection Parse(string connectionString, string option)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new FleetStoreException($"{option} is not a PostgreSQL connection string (Host=...;Database=...;Username=...): {e.Message}", e);
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            throw new FleetStoreException($"{option} names no server: give Host=... (and Database=..., Username=...; the password from Password=..., PGPASSWORD or a .pgpass file).");
        }

        var database = builder.Database ?? builder.Username ?? "postgres";
        var name = $"PostgreSQL database {database} at {builder.Host}:{builder.Port}";
        return new FleetConnection(NpgsqlDataSource.Create(builder), name);
    }

    /// <summary>Opens a connection; a failure is a sentence naming the store.</summary>
    /// <exception cref="FleetStoreException">The server cannot be reached or refused the login.</exception>
    public NpgsqlConnection Open()
    {
        try
        {
            return Source.OpenConnection();
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            throw Failed("be reached", e);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a pooled connection. A server that restarted leaves the pool's idle connections
    /// dead, and the first use of each fails: the pool is then emptied and the work tried once more on a new connection.
    /// </summary>
    /// <exception cref="FleetStoreException">The store could not <paramref name="what"/>.</exception>
    public T Run<T>(string what, Func<NpgsqlConnection, T> work)
    {
        for (var attempt = 0; ; attempt++)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = Source.OpenConnection();
                return work(connection);
            }
            catch (Exception e) when (IsStoreFailure(e))
            {
                var broken = connection is { State: System.Data.ConnectionState.Broken or System.Data.ConnectionState.Closed };
                connection?.Dispose();
                connection = null;
                if (!broken || attempt > 0)
                {
                    throw Failed(what, e);
                }

                Source.Clear();
            }
            finally
            {
                connection?.Dispose();
            }
        }
    }

    /// <summary>Whether <paramref name="e"/> is the store or the network failing (as opposed to a bug).</summary>
    public static bool IsStoreFailure(Exception e) =>
        e is NpgsqlException or SocketException or TimeoutException or IOException or InvalidOperationException { Source: "Npgsql" };

    /// <summary>The store could not <paramref name="what"/>: one sentence with the reason.</summary>
    public FleetStoreException Failed(string what, Exception e) => new($"The fleet store ({Name}) could not {what}: {Reason(e)}", e);

    /// <summary>What went wrong, without a stack trace: PostgreSQL's own message and code, or the network's.</summary>
    public static string Reason(Exception e) => e switch
    {
        PostgresException postgres => $"{postgres.MessageText.TrimEnd('.')} (SQLSTATE {postgres.SqlState}).",
        NpgsqlException { InnerException: SocketException socket } => $"{socket.Message.TrimEnd('.')}.",
        NpgsqlException { InnerException: TimeoutException } => "it did not answer in time.",
        _ => $"{e.Message.TrimEnd('.')}.",
    };
}
