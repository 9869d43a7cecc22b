using Addons.Abstractions.Flows;
using Addons.Host.Interop;
using Addons.Host.Tests.Infrastructure;
using Addons.Session.Tests.Fleet;

namespace Addons.Host.Tests.Hosting;

/// <summary>-r and -w with the Session's fleet store (postgresql:// URLs), on the real host process and a real PostgreSQL.</summary>
public sealed class FleetFlagsTests : PostgresTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-fleet-files-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(180_000)]
    public async Task The_fleet_store_is_either_side_of_a_conversion_and_its_password_never_shows(CancellationToken cancellationToken)
    {
        var store = Url(Database);
        var input = Path.Combine(_folder, "in.mitm");
        var flows = FileFlagsTests.WriteMarkedAndCommented(input);

        var back = Path.Combine(_folder, "back.mitm");
        var (toStore, toStoreLog) = await RunAsync(["-n", "-q", "-r", input, "-w", store + "?host_id=lab"], cancellationToken);
        var (listed, listing) = await RunAsync(["-n", "-r", store + "?filter=~c%20500%20|%20~c%20404"], cancellationToken);
        var (fromStore, fromStoreLog) = await RunAsync(["-n", "-q", "-r", store + "?hosts=lab", "-w", back], cancellationToken);

        Assert.That(toStore, Is.Zero, toStoreLog);
        Assert.That(listed, Is.Zero, listing);
        Assert.That(listing.Split('\n').Where(l => l.Contains(" << ", StringComparison.Ordinal)).Select(l => l.Trim()),
            Is.EqualTo(new[] { "POST https://example.com/b << 500 Internal Server Error 4b", "GET https://example.com/c << 404 Not Found 4b" }));
        Assert.That(listing, Does.Contain($"Read 2 flows from postgresql://addons:***@127.0.0.1:{Server.Port}/"));
        Assert.That(fromStore, Is.Zero, fromStoreLog);
        var read = FlowFile.Read(back).ToList();
        Assert.That(read.Select(f => (f.Id, f.Request.Url, f.Response!.StatusCode, f.Marked, f.Comment)),
            Is.EqualTo(flows.Select(f => (f.Id, f.Request.Url, f.Response!.StatusCode, f.Marked, f.Comment))));
        Assert.That(read[0].Response!.Content, Is.EqualTo("body"u8.ToArray()));
        Assert.That(toStoreLog + listing + fromStoreLog, Does.Not.Contain(Server.Password));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task A_store_that_cannot_be_read_or_written_is_named_with_the_reason(CancellationToken cancellationToken)
    {
        var empty = Url(Database);
        var (emptyCode, emptyLog) = await RunAsync(["-n", "-r", empty], cancellationToken);
        Assert.That(emptyCode, Is.Zero, "mitmdump goes on after a file it cannot read, and says so");
        Assert.That(emptyLog, Does.Contain("holds no fleet store (no addons_flow table); a host with session_postgres set creates one."));

        var (badFilterCode, badFilterLog) = await RunAsync(["-n", "-r", empty + "?filter=~c%20(("], cancellationToken);
        Assert.That(badFilterLog, Does.Contain($"postgresql://127.0.0.1:{Server.Port}/").And.Contain(": the filter is not valid: "));

        var closed = $"postgresql://addons:{Server.Password}@127.0.0.1:1/none";
        var (downCode, downLog) = await RunAsync(["-n", "-w", closed], cancellationToken);
        Assert.That(downCode, Is.Not.Zero);
        Assert.That(downLog, Does.Contain("save_stream_file: postgresql://addons:***@127.0.0.1:1/none cannot be written as a fleet file by addon 'session': The fleet store (PostgreSQL database none at 127.0.0.1:1) could not be reached"));
        Assert.That(downLog + emptyLog + badFilterLog, Does.Not.Contain(Server.Password));

        var (noSessionCode, noSessionLog) = await RunAsync(["-n", "-r", empty], cancellationToken, withSession: false);
        Assert.That(noSessionLog, Does.Contain($"No loaded addon reads flows from postgresql://addons:***@127.0.0.1:{Server.Port}/"));
        _ = (badFilterCode, noSessionCode);
    }

    private string Url(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://addons:{Server.Password}@127.0.0.1:{Server.Port}/{builder.Database}";
    }

    private async Task<(int Code, string Output)> RunAsync(string[] args, CancellationToken cancellationToken, bool withSession = true)
    {
        var plugins = Path.Combine(_folder, withSession ? "plugins-with-session.json" : "plugins.json");
        var session = withSession ? $$""", "Session": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("Session"))}}, "Order": 2 }""" : "";
        await File.WriteAllTextAsync(plugins, $$"""
            { "Addons": {
                "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 }{{session}} } }
            """, cancellationToken);
        return await HostProcess.RunAsync(plugins, _folder, args, TimeSpan.FromSeconds(60), cancellationToken);
    }
}
