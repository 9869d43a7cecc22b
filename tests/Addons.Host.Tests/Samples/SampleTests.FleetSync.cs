using System.Text.Json;
using Addons.Bridge.Tests;
using Addons.Host.Tests.Infrastructure;
using Addons.Session.Tests.Fleet;
using Npgsql;

namespace Addons.Host.Tests.Samples;

/// <summary>The FleetSync sample between two host processes: the Bridge over a real NATS, the Session over a real PostgreSQL.</summary>
public sealed partial class SampleTests
{
    [Test]
    [CancelAfter(240_000)]
    public async Task FleetSync_shares_a_blocklist_and_flow_marks_between_two_hosts(CancellationToken cancellationToken)
    {
        using var nats = NatsServer.Start();
        using var postgres = PostgresServer.Start();
        var store = postgres.CreateDatabase("fleetsync");
        var (a, aFolder) = await StartFleetHostAsync("a", nats, store, cancellationToken);
        await using var hostA = a;
        var (b, bFolder) = await StartFleetHostAsync("b", nats, store, cancellationToken);
        await using var hostB = b;

        // A blocklist entry made on one host blocks on the other.
        var added = await FleetCommandAsync(aFolder, ["blocklist.add", "blocked.example"], cancellationToken);
        Assert.That(added.Output, Is.EqualTo("blocked.example is blocked on every host.\n"), added.Log + hostA.Log);
        using var clientB = ClientOf(hostB);
        var status = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (status != 403 && DateTime.UtcNow < deadline)
        {
            using var response = await clientB.GetAsync("http://blocked.example/", cancellationToken);
            status = (int)response.StatusCode;
            if (status != 403)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        Assert.That(status, Is.EqualTo(403), hostB.Log);
        Assert.That((await FleetCommandAsync(bFolder, ["blocklist.list"], cancellationToken)).Output, Is.EqualTo("[\"blocked.example\"]\n"));

        // A flow captured by A, opened on B from the fleet store, then marked on A, shows marked on B.
        using (var clientA = ClientOf(hostA))
        using (var response = await clientA.GetAsync(_origin.Http("/hello"), cancellationToken))
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(200));
        }

        var id = await Until(() => Task.FromResult(FlowOf(store, "a", "/hello")), cancellationToken);
        var opened = await FleetCommandAsync(bFolder, ["session.fleet.open", "~u /hello"], cancellationToken);
        Assert.That(opened.Output, Does.StartWith("1 flows of the fleet store").And.Contain(": a 1."), opened.Log + hostB.Log);

        var marked = await FleetCommandAsync(aFolder, ["flow.mark", $"@{id}", ":star:"], cancellationToken);
        Assert.That(marked.Code, Is.Zero, marked.Log);
        var onB = await Until(async () =>
        {
            var resolved = await FleetCommandAsync(bFolder, ["view.flows.resolve", "@marked"], cancellationToken);
            using var json = JsonDocument.Parse(resolved.Output);
            return json.RootElement.EnumerateArray().Select(f => f.GetProperty("id").GetString()).FirstOrDefault();
        }, cancellationToken);
        Assert.That(onB, Is.EqualTo(id), hostB.Log);

        // Not sent back: A's bridge sent one mark and received none.
        var stats = await FleetCommandAsync(aFolder, ["bridge.stats"], cancellationToken);
        Assert.That(stats.Output, Does.Contain("FleetSync.Messages.FlowMarkChanged: sent 1, received 0, lost 0"), hostA.Log);
    }

    private async Task<(ProxyProcess Host, string Folder)> StartFleetHostAsync(string hostId, NatsServer nats, string store, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateDirectory(Path.Combine(RunFolder(), hostId)).FullName;
        var addons = new Dictionary<string, object>
        {
            ["View"] = new { Path = TestPaths.ShippedPlugin("View"), Order = 100 },
            ["FleetSync"] = new { Path = Published("FleetSync/FleetSync", "FleetSync"), Order = 150, Shares = new[] { "FleetSync.Messages" } },
            ["Session"] = new
            {
                Path = TestPaths.ShippedPlugin("Session"),
                Order = 200,
                Options = new Dictionary<string, string>
                {
                    ["session_path"] = Path.Combine(folder, "spill.session"),
                    ["session_postgres"] = store,
                    ["session_host_id"] = hostId,
                    ["session_flush_ms"] = "50",
                },
            },
            ["Bridge"] = new
            {
                Path = TestPaths.ShippedPlugin("Bridge"),
                Order = 500,
                Options = new Dictionary<string, string>
                {
                    ["bridge_nats_url"] = nats.Url,
                    ["bridge_nats_token"] = nats.Token,
                    ["bridge_host_id"] = hostId,
                    ["bridge_delivery"] = "at-least-once",
                    ["bridge_stream"] = "FLEETSYNC",
                    ["bridge_types"] = "FleetSync.Messages.BlocklistChanged,FleetSync.Messages.FlowMarkChanged",
                },
            },
        };
        var plugins = Path.Combine(folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, JsonSerializer.Serialize(new { Addons = addons }), cancellationToken);
        return (await ProxyProcess.StartAsync(plugins, folder, [], cancellationToken), folder);
    }

    private static Task<(int Code, string Output, string Log)> FleetCommandAsync(string folder, string[] command, CancellationToken cancellationToken) =>
        HostProcess.RunSeparatelyAsync(Path.Combine(folder, "plugins.json"), folder, ["--command", .. command], RunTimeout, cancellationToken);

    private static string? FlowOf(string store, string hostId, string path)
    {
        using var connection = new NpgsqlConnection(store + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand("SELECT id FROM addons_flow WHERE host_id = @host AND url LIKE '%' || @path", connection);
        command.Parameters.AddWithValue("host", hostId);
        command.Parameters.AddWithValue("path", path);
        return command.ExecuteScalar() is Guid id ? id.ToString() : null;
    }

    private static async Task<string> Until(Func<Task<string?>> probe, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "within 30 s");
            await Task.Delay(200, cancellationToken);
        }
    }
}
