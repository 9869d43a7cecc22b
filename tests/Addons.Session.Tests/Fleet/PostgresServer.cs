using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Addons.Session.Tests.Fleet;

/// <summary>
/// A real PostgreSQL server of the test's own: a new cluster in a temporary folder (initdb), listening on 127.0.0.1 on a
/// free port with a random password, started and stopped with pg_ctl (as the postgres user when the tests run as root,
/// which initdb refuses). The fault tests stop and start it. Tests are ignored, with the reason, where Debian's
/// postgresql package is not installed; .ci/run installs it.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string _bin;
    private readonly string _folder;
    private readonly bool _asPostgres;

    private PostgresServer(string bin, string folder, bool asPostgres, int port, string password)
    {
        _bin = bin;
        _folder = folder;
        _asPostgres = asPostgres;
        Port = port;
        Password = password;
    }

    public int Port { get; }

    public string Password { get; }

    /// <summary>Whether the server was started and not stopped since.</summary>
    public bool IsRunning { get; private set; }

    private string Data => Path.Combine(_folder, "data");

    /// <summary>Creates and starts a cluster, or ignores the test when PostgreSQL is not installed.</summary>
    public static PostgresServer Start()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(version => Path.Combine(version, "bin"))
                .Where(folder => File.Exists(Path.Combine(folder, "initdb")))
                .OrderByDescending(folder => folder, StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
        if (bin is null || OperatingSystem.IsWindows())
        {
            Assert.Ignore("PostgreSQL is not installed (Debian's postgresql package; .ci/run installs it).");
        }

        var asPostgres = Environment.UserName == "root";
        var folder = Directory.CreateTempSubdirectory("addons-pg-").FullName;
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var server = new PostgresServer(bin!, folder, asPostgres, FreePort(), password);
        try
        {
            var passwordFile = Path.Combine(folder, "password");
            File.WriteAllText(passwordFile, password);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            if (asPostgres)
            {
                Run("chown", "-R", "postgres:postgres", folder);
            }

            server.Pg("initdb", "-D", server.Data, "-U", "addons", "--auth=scram-sha-256", $"--pwfile={passwordFile}", "-E", "UTF8", "--locale=C", "--no-sync");
            server.Resume();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>The connection string of <paramref name="database"/>, created first if it does not exist.</summary>
    public string CreateDatabase(string database)
    {
        using (var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false"))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            command.ExecuteNonQuery();
        }

        return ConnectionString(database);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=addons;Password={Password};Database={database};Timeout=5";

    /// <summary>Stops the server (fast shutdown: clients are disconnected), as an outage.</summary>
    public void Stop()
    {
        Pg("pg_ctl", "-D", Data, "-m", "fast", "-w", "stop");
        IsRunning = false;
    }

    /// <summary>Starts the server (again) on the same port.</summary>
    public void Resume()
    {
        Pg("pg_ctl", "-D", Data, "-w", "-l", Path.Combine(_folder, "server.log"), "-o",
            $"-c listen_addresses=127.0.0.1 -p {Port} -k {_folder} -c fsync=off -c full_page_writes=off -c synchronous_commit=off", "start");
        IsRunning = true;
    }

    public void Dispose()
    {
        try
        {
            if (File.Exists(Path.Combine(Data, "postmaster.pid")))
            {
                Pg("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
            }
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private void Pg(string tool, params string[] arguments)
    {
        var path = Path.Combine(_bin, tool);
        if (_asPostgres)
        {
            // util-linux's runuser is in /usr/sbin, which a PATH may leave out.
            var runuser = new[] { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser" }.FirstOrDefault(File.Exists) ?? "runuser";
            Run(runuser, ["-u", "postgres", "--", path, .. arguments]);
        }
        else
        {
            Run(path, arguments);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in 60 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {output.Result}{error.Result}");
        }
    }

    /// <summary>A port of 127.0.0.1 nothing listens on (the moment this returns).</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
