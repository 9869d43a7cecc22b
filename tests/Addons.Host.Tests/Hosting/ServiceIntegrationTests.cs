using System.Net;
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
            var state = Directory.CreateDirectory(Path.Combine(folder, "state")).FullName;
            using var host = ServiceProcess.StartHost(manager.Path, state);

            Assert.That(await manager.ReceiveAsync(StartTimeout), Is.EqualTo("READY=1"), host.Log);

            // The listening line was written before READY=1; the test may not have read it yet, the proxy has bound.
            var proxy = await host.Listening.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            Assert.That(await GetThroughAsync(proxy, origin.Http("/hello"), cancellationToken), Is.EqualTo("hello"));

            UnixSignal.Send(host.Process.Id, UnixSignal.Terminate);
            Assert.That(await manager.ReceiveAsync(StopTimeout), Is.EqualTo("STOPPING=1"), host.Log);
            Assert.That(await host.WaitForExitAsync(StopTimeout, cancellationToken), Is.Zero, host.Log);
            Assert.That(host.Log, Does.Match(@"Done: \d+ addon\(s\) stopped"));

            // SystemdLifetime logs "Application started" and then sends READY=1: every addon's running came before.
            var running = Regex.Match(host.Log, @"Running with \d+ addon\(s\)");
            Assert.That(running.Success && running.Index < host.Log.IndexOf("Application started.", StringComparison.Ordinal), host.Log);
            Assert.That(File.Exists(Path.Combine(state, "session.sqlite")), "the session file is kept in the state folder");
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
            using var host = ServiceProcess.StartHost(manager.Path, Directory.CreateDirectory(Path.Combine(folder, "state")).FullName);
            Assert.That(await manager.ReceiveAsync(StartTimeout), Is.EqualTo("READY=1"), host.Log);
            await GetThroughAsync(await host.Listening.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken), origin.Http("/hello"), cancellationToken);
            UnixSignal.Send(host.Process.Id, UnixSignal.Terminate);
            await host.WaitForExitAsync(StopTimeout, cancellationToken);

            // journald reads "<N>" as the line's priority (SyslogLevelPrefix=yes): 6 information, 4 warning, 3 error.
            var log = host.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(log, Is.Not.Empty);
            Assert.That(log, Has.All.Matches(JournalLine()), host.Log);
            Assert.That(log, Has.Some.StartsWith("<6>Addons.Host.Proxy.ProxyServer[320] Proxy (regular) listening at http://"));
            Assert.That(log, Has.None.Match(@"^<\d>\d\d:\d\d:\d\d "), "no timestamps of its own: the journal adds them");

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

    private static async Task<string> GetThroughAsync(IPEndPoint proxy, string url, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{proxy}"), UseProxy = true });
        return await client.GetStringAsync(url, cancellationToken);
    }

    [GeneratedRegex(@"^<[0-7]>\S")]
    private static partial Regex JournalLine();
}
