using System.Net;
using System.Net.Sockets;
using Addons.Host.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// SIGTERM while requests are in flight, as a service manager stops the host: the exchanges finish, new connections
/// are refused, every flow is in the session file, and the host exits 0.
/// </summary>
public sealed class StopUnderLoadTests
{
    private const int InFlight = 24;
    private const int BodySize = 1024;

    [Test]
    [CancelAfter(180_000)]
    public async Task Requests_in_flight_during_SIGTERM_finish_and_none_is_lost(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("addons-stop-").FullName;
        try
        {
            // An origin that holds every response until the test lets them go.
            var arrived = 0;
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            await using var origin = builder.Build();
            origin.MapGet("/slow/{n:int}", async (int n) =>
            {
                Interlocked.Increment(ref arrived);
                await release.Task;
                return Results.Bytes(new byte[BodySize], "application/octet-stream");
            });
            await origin.StartAsync(cancellationToken);
            var originUrl = origin.Urls.First();

            var session = Path.Combine(folder, "flows.session");
            var plugins = Path.Combine(folder, "plugins.json");
            await File.WriteAllTextAsync(plugins, $$"""
                { "Addons": {
                    "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 },
                    "Session": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("Session"))}}, "Order": 2 } } }
                """, cancellationToken);
            await using var host = await ProxyProcess.StartAsync(plugins, folder, ["--set", $"session_path={session}", "--set", "flow_detail=0"], cancellationToken);
            using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{host.Proxy}"), MaxConnectionsPerServer = InFlight });
            var requests = Enumerable.Range(0, InFlight).Select(i => client.GetAsync($"{originUrl}/slow/{i}", cancellationToken)).ToArray();
            while (Volatile.Read(ref arrived) < InFlight)
            {
                await Task.Delay(20, cancellationToken);
            }

            UnixSignal.Send(host.ProcessId, UnixSignal.Terminate);
            Assert.That(await RefusedWithinAsync(host.Proxy, TimeSpan.FromSeconds(20), cancellationToken), Is.True,
                "a new connection is refused once the host stops");

            release.SetResult();
            var responses = await Task.WhenAll(requests);
            var exitCode = await host.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);

            Assert.That(exitCode, Is.Zero, host.Log);
            var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsByteArrayAsync(cancellationToken)));
            Assert.That(responses.Select(r => r.StatusCode), Is.All.EqualTo(HttpStatusCode.OK), host.Log);
            Assert.That(bodies.Select(b => b.Length), Is.All.EqualTo(BodySize));
            Assert.That(responses.Select(r => r.Headers.ConnectionClose), Is.All.True, "a response sent while stopping closes its connection");
            Assert.That(Flows(session), Is.EqualTo(InFlight), "every flow the proxy answered is in the session file");
            Assert.That(host.Log, Does.Match(@"Stopping: no new connections; waiting for \d+ open connection\(s\) to finish their exchanges"));
            Assert.That(host.Log, Does.Not.Contain(" warn: ").And.Not.Contain(" fail: "));
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Tries new connections until one is refused (the listener closed) or the time is up.</summary>
    private static async Task<bool> RefusedWithinAsync(IPEndPoint proxy, TimeSpan limit, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < until)
        {
            using var late = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await late.ConnectAsync(proxy, cancellationToken);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                return true;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // Connected into the backlog as the listener closed: try again.
            }

            await Task.Delay(20, cancellationToken);
        }

        return false;
    }

    private static long Flows(string path)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM record";
        return (long)count.ExecuteScalar()!;
    }
}
