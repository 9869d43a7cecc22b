using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Addons.Bridge.Tests;

/// <summary>
/// A real nats-server of the test's own on 127.0.0.1 and a free port, with an authorization token and JetStream
/// storage in a temporary folder; stopped and started again on the same port by the tests of outages. Tests are ignored,
/// with the reason, where Debian's nats-server package is not installed; .ci/run installs it.
/// </summary>
internal sealed class NatsServer : IDisposable
{
    private readonly string _program;
    private readonly string _folder;
    private Process? _process;

    private NatsServer(string program, string folder, int port, string token)
    {
        _program = program;
        _folder = folder;
        Port = port;
        Token = token;
    }

    public int Port { get; }

    public string Token { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public static NatsServer Start()
    {
        // Debian puts it in /usr/sbin, which a user's PATH may leave out.
        var program = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Append("/usr/sbin")
            .Select(folder => Path.Combine(folder, "nats-server"))
            .FirstOrDefault(File.Exists);
        if (program is null)
        {
            Assert.Ignore("nats-server is not installed (Debian's nats-server package; .ci/run installs it).");
        }

        var server = new NatsServer(program!, Directory.CreateTempSubdirectory("addons-nats-").FullName, FreePort(), Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        server.Resume();
        return server;
    }

    /// <summary>Whether the server was started and has not stopped since.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the server (again, unless it is running), and waits until it accepts connections.</summary>
    public void Resume()
    {
        if (IsRunning)
        {
            return;
        }

        var start = new ProcessStartInfo(_program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--auth", Token, "-js", "-sd", _folder })
        {
            start.ArgumentList.Add(argument);
        }

        _process?.Dispose();
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"nats-server did not listen on 127.0.0.1:{Port} within 20 s.");
    }

    /// <summary>Stops the server, as an outage.</summary>
    public void Stop()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit(20_000);
            process.Dispose();
            _process = null;
        }
    }

    public void Dispose()
    {
        Stop();
        Directory.Delete(_folder, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
