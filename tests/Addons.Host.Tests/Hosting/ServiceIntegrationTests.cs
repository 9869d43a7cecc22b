using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// The host as a <c>Type=notify</c> service: the built <c>addons-host</c> started with <c>NOTIFY_SOCKET</c> naming a
/// socket the test holds, as systemd starts deploy/systemd/addons-host.service. systemd itself is not the parent here
/// (and need not run), which is the case the host's own check covers beside .NET's.
/// </summary>
public sealed partial class ServiceIntegrationTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    [Test]
    [CancelAfter(180_000)]
    public async Task ReadyComesOnceTheProxyAnswersAndSigtermSaysStoppingAndExitsZero(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("addons-service-").FullName;
        try
        {
            await using var origin = await KestrelOrigin.StartAsync(folder);
            using var manager = NotifySocket.Bind(Path.Combine(folder, "notify"));
            using var host = ServiceProcess.Start(manager.Path, folder);

            var ready = await manager.ReceiveAsync(StartTimeout);
            Assert.That(ready, Is.EqualTo("READY=1"), host.Log);

            // The listening line was written before READY=1; the test may not have read it yet, the proxy has bound.
            var proxy = await host.Listening.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            using (var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{proxy}"), UseProxy = true }))
            {
                Assert.That(await client.GetStringAsync(origin.Http("/hello"), cancellationToken), Is.EqualTo("hello"));
            }

            UnixSignal.Send(host.Process.Id, UnixSignal.Terminate);
            Assert.That(await manager.ReceiveAsync(StopTimeout), Is.EqualTo("STOPPING=1"), host.Log);
            await host.Process.WaitForExitAsync(cancellationToken).WaitAsync(StopTimeout, cancellationToken);
            host.Process.WaitForExit(); // the last lines of both pipes

            Assert.That(host.Process.ExitCode, Is.Zero, host.Log);
            Assert.That(host.Log, Does.Contain("Done: 8 addon(s) stopped"));

            // SystemdLifetime logs "Application started" and then sends READY=1: every addon's running came before.
            var running = host.Log.IndexOf("Running with 8 addon(s)", StringComparison.Ordinal);
            Assert.That(running, Is.GreaterThanOrEqualTo(0).And.LessThan(host.Log.IndexOf("Application started.", StringComparison.Ordinal)), host.Log);
            Assert.That(File.Exists(Path.Combine(folder, "state", "session.sqlite")), "the session file is kept in the state folder");
            Assert.That(await manager.ReceiveAsync(TimeSpan.FromMilliseconds(200)), Is.Null, "nothing after STOPPING=1");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task TheLogIsInTheJournalsFormatOnStandardErrorAndStandardOutputHasFlowsAlone(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("addons-service-").FullName;
        try
        {
            await using var origin = await KestrelOrigin.StartAsync(folder);
            using var manager = NotifySocket.Bind(Path.Combine(folder, "notify"));
            using var host = ServiceProcess.Start(manager.Path, folder);
            Assert.That(await manager.ReceiveAsync(StartTimeout), Is.EqualTo("READY=1"), host.Log);
            var proxy = await host.Listening.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            using (var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{proxy}"), UseProxy = true }))
            {
                await client.GetStringAsync(origin.Http("/hello"), cancellationToken);
            }

            UnixSignal.Send(host.Process.Id, UnixSignal.Terminate);
            await host.Process.WaitForExitAsync(cancellationToken).WaitAsync(StopTimeout, cancellationToken);
            host.Process.WaitForExit();

            // journald reads "<N>" as the line's priority (SyslogLevelPrefix=yes): 6 information, 4 warning, 3 error.
            var log = host.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(log, Is.Not.Empty);
            Assert.That(log, Has.All.Matches(JournalLine()), host.Log);
            Assert.That(log, Has.Some.StartsWith("<6>Addons.Host.Proxy.ProxyServer[320] Proxy (regular) listening at http://"));
            Assert.That(log, Has.None.Match(@"^\d\d:\d\d:\d\d "), "no timestamps of its own: the journal adds them");

            var output = host.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(output, Has.Length.EqualTo(1), host.Output);
            Assert.That(output[0], Does.Contain($"GET {origin.Http("/hello")}").And.Contain("200"));
            Assert.That(output[0], Does.Not.Match(JournalLine()));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [GeneratedRegex(@"^<[0-7]>\S")]
    private static partial Regex JournalLine();

    [GeneratedRegex(@"listening at http://([^;\s]+)")]
    private static partial Regex ListeningAt();

    /// <summary>
    /// <c>addons-host</c> with its shipped plugins.json, started as the unit file starts it: a notify socket, the CA and
    /// the session file in a state folder, the proxy on a free loopback port.
    /// </summary>
    private sealed class ServiceProcess : IDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _log = new();
        private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private ServiceProcess(Process process) => Process = process;

        public Process Process { get; }

        public Task<IPEndPoint> Listening => _listening.Task;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public static ServiceProcess Start(string notifySocket, string folder)
        {
            // systemd makes StateDirectory= before it starts the unit.
            var state = Directory.CreateDirectory(Path.Combine(folder, "state")).FullName;
            var start = new ProcessStartInfo("dotnet",
            [
                Path.Combine(TestPaths.HostOutput, "addons-host.dll"), "--plugins", Path.Combine(TestPaths.HostOutput, "plugins.json"),
                "--set", "listen_host=127.0.0.1", "--set", "listen_port=0",
                "--set", $"confdir={state}", "--set", $"session_path={Path.Combine(state, "session.sqlite")}", "--set", "session_required=true",
            ])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["NOTIFY_SOCKET"] = notifySocket },
            };
            var host = new ServiceProcess(Process.Start(start)!);
            host.Process.OutputDataReceived += (_, e) => Append(host._output, e.Data);
            host.Process.ErrorDataReceived += (_, e) =>
            {
                Append(host._log, e.Data);
                if (e.Data is { } line && ListeningAt().Match(line) is { Success: true } match)
                {
                    host._listening.TrySetResult(IPEndPoint.Parse(match.Groups[1].Value));
                }
            };
            host.Process.BeginOutputReadLine();
            host.Process.BeginErrorReadLine();
            return host;
        }

        private static void Append(StringBuilder text, string? line)
        {
            if (line is not null)
            {
                lock (text)
                {
                    text.Append(line).Append('\n');
                }
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit();
            }

            Process.Dispose();
        }
    }
}
