using Npgsql;

namespace Addons.Session.Tests.Fleet;

/// <summary>A fixture whose tests share a PostgreSQL server of their own (<see cref="PostgresServer"/>), each with a new database.</summary>
public abstract class PostgresTests
{
    private int _databases;

    /// <summary>The fixture's server; a test that stops it needs not start it again (the next test's set-up does).</summary>
    protected PostgresServer Server { get; private set; } = null!;

    /// <summary>The connection string of the current test's database.</summary>
    protected string Database { get; private set; } = null!;

    /// <summary>The name of the current test's database, as messages name it.</summary>
    protected string DatabaseName => new NpgsqlConnectionStringBuilder(Database).Database!;

    [OneTimeSetUp]
    public void StartServer() => Server = PostgresServer.Start();

    [OneTimeTearDown]
    public void StopServer() => Server?.Dispose();

    [SetUp]
    public void NewDatabase()
    {
        if (!Server.IsRunning)
        {
            Server.Resume();
        }

        Database = Server.CreateDatabase($"{GetType().Name.ToLowerInvariant()}{++_databases}");
    }
}
