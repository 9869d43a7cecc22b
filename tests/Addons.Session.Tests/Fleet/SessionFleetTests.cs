using Addons.Abstractions.Flows;
using Addons.Session.Fleet;
using Addons.Session.Storage;
using Addons.Session.Tests.Addon;
using Addons.Session.Tests.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;
using static Addons.Session.Tests.Addon.SessionColdFlowTests;

namespace Addons.Session.Tests.Fleet;

/// <summary>
/// The Session with a fleet store, end to end against a real PostgreSQL: hosts writing to one store, another opening
/// their flows in its View, and the server down at start, down while flows arrive, and back again.
/// </summary>
public sealed class SessionFleetTests : PostgresTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void CreateFolder() => _temp = new TempDirectory();

    [TearDown]
    public void DeleteFolder() => _temp.Dispose();

    [Test]
    public async Task TwoHostsWriteToOneStoreAndAThirdOpensTheirFlowsInItsViewWithAFilter()
    {
        var first = Captured(40);
        var second = Captured(30);
        // Both hosts capture at once, their flows interleaved.
        var a = await Start("a");
        var b = await Start("b");
        for (var i = 0; i < Math.Max(first.Count, second.Count); i++)
        {
            await Task.WhenAll(i < first.Count ? a.CaptureAsync(first[i]) : Task.CompletedTask, i < second.Count ? b.CaptureAsync(second[i]) : Task.CompletedTask);
        }

        await Task.WhenAll(a.DoneAsync(), b.DoneAsync());
        Assert.That(a.Logs.Concat(b.Logs).Where(l => l.Level >= LogLevel.Warning), Is.Empty);

        var viewer = await Start("c");
        var all = first.Concat(second).ToList();
        var notFound = all.Where(f => f.Response!.StatusCode != 404).ToList();
        var answer = (string)(await viewer.RunAsync("session.fleet.open", "!~c 404"))!;
        await Until(() => ColdCount(viewer) == notFound.Count);

        Assert.That(answer, Does.StartWith($"{notFound.Count} flows of the fleet store (PostgreSQL database ").And.EndWith(
            $"join the view, loaded from it when needed: a {first.Count(f => f.Response!.StatusCode != 404)}, b {second.Count(f => f.Response!.StatusCode != 404)}."));
        Assert.That(Ids(await Resolve(viewer, "@all")), Is.EquivalentTo(Ids(notFound)));
        ModelAssert.AllPropertiesEqual(notFound[3], (await Resolve(viewer, "@" + notFound[3].Id)).Single());

        // The View's own filter over the opened flows: the store decides what its columns can and decodes the rest.
        foreach (var expression in new[] { "~b secret", "~m POST & ~d h1" })
        {
            var filter = Host.Filters.FlowFilter.Parse(expression);
            await viewer.RunAsync("view.filter.set", expression);
            Assert.That(Ids(await Resolve(viewer, "@shown")), Is.EquivalentTo(Ids(notFound.Where(filter.Matches))), expression);
        }

        Assert.That((string)(await viewer.RunAsync("session.fleet.open", "~c 999"))!, Does.StartWith("No flow in the fleet store"));
        await viewer.DoneAsync();
    }

    [Test]
    public async Task TheServerDownAtStartRefusesWhenRequiredAndOtherwiseKeepsFlowsInTheFileForTheNextStart()
    {
        Server.Stop();
        var path = _temp.File("spill.session");
        var (refused, rejection) = await SessionHarness.CreateAsync(Settings("a", path, ("session_required", true)));
        Assert.That(refused, Is.Null);
        Assert.That(rejection, Does.Contain($"session_postgres: The fleet store (PostgreSQL database {DatabaseName} at 127.0.0.1:{Server.Port}) could not be reached: Connection refused."));

        var h = await SessionHarness.StartAsync(Settings("a", path));
        var flows = Captured(12);
        foreach (var flow in flows)
        {
            await h.CaptureAsync(flow);
        }

        await h.DoneAsync();
        Assert.That(h.Logs.Single(l => l.Level == LogLevel.Error).Message, Does.Contain("could not be reached: Connection refused. Flows are kept in the session file instead"));
        using (var file = SessionStore.Open(path, readOnly: true))
        {
            Assert.That(file.Count(), Is.EqualTo(12), "nothing lost while the store was down");
        }

        Server.Resume();
        var next = await Start("a", path);
        await Until(() => StoredCount() == 12);
        Assert.That(StoredCount(), Is.EqualTo(12), "replayed at the next start");
        await next.DoneAsync();
        using var emptied = SessionStore.Open(path, readOnly: true);
        Assert.That(emptied.Count(), Is.Zero, "the spill file is emptied once replayed");
    }

    [Test]
    public async Task FlowsArrivingWhileTheServerIsDownGoToTheSpillFileAndReachTheStoreWhenItIsBack()
    {
        var path = _temp.File("spill.session");
        var h = await Start("a", path);
        var before = Captured(20);
        foreach (var flow in before)
        {
            await h.CaptureAsync(flow);
        }

        await Until(() => h.PersistedCount() == 20);
        Server.Stop();
        var during = Captured(30);
        foreach (var flow in during)
        {
            await h.CaptureAsync(flow);
        }

        await Until(() => h.PersistedCount() == 50);
        var stats = (string)(await h.RunAsync("session.stats"))!;
        Assert.That(stats, Does.Contain("as host a: 20 flows written, 30 waiting in the spill file, down since "));
        Assert.That(h.Logs.Single(l => l.Level == LogLevel.Error).Message, Does.Contain($"Flows go to the spill file {path} until it takes writes again"));

        var health = await h.Host.HealthAsync();
        Assert.That(health["session.writable"].Status, Is.EqualTo(Abstractions.Health.AddonHealthStatus.Degraded));
        Assert.That(health["session.writable"].Description, Does.EndWith($"Flows go to the spill file {path} (30 waiting) until it is back."));

        // A flow spilled and then archived still loads, from the spill file.
        ModelAssert.AllPropertiesEqual(during[0], (await Resolve(h, "@" + during[0].Id)).Single());

        Server.Resume();
        await Until(() => StoredCount() == 50);
        await Until(() => ((string)h.RunAsync("session.stats").Result!).Contains("50 flows written, 0 waiting", StringComparison.Ordinal));
        await h.DoneAsync();

        Assert.That(StoredCount(), Is.EqualTo(50), "every flow, none twice");
        Assert.That(h.Logs.Select(l => l.Message), Has.Some.Contains("has caught up: 30 spilled flows replayed in all"));
        Assert.That(h.Persisted.SelectMany(p => p.FlowIds).Distinct().Count(), Is.EqualTo(50));
    }

    [Test]
    public void AFlowWrittenAgainWhileAnOlderCopyWaitsInTheSpillFileIsNotPutBackByTheReplay()
    {
        using var fleet = FleetStore.Open(Database, "a");
        using var spill = SessionStore.Open(_temp.File("spill.session"));
        using var target = new FleetTarget(fleet, spill, TimeSpan.Zero, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
        var flows = Captured(2);
        Server.Stop();
        target.WriteBatch(FleetStoreTests.Encode([flows[0]]));
        Assert.That(target.Spilled, Is.EqualTo(1));

        // Back: once a probe has reached it, batches go to the store again.
        Server.Resume();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (target.Written == 0 && DateTime.UtcNow < deadline)
        {
            target.WriteBatch(FleetStoreTests.Encode([flows[1]]));
            Thread.Sleep(20);
        }

        flows[0].Marked = ":star:";
        target.WriteBatch(FleetStoreTests.Encode([flows[0]]));
        while (target.CatchUp())
        {
        }

        Assert.That(target.Spilled, Is.Zero);
        Assert.That(fleet.Reader.Load(flows[0].Id)!.Marked, Is.EqualTo(":star:"), "the newer state stays");
    }

    [Test]
    public async Task WithTheStoreDownAtStartATemporarySessionFileIsKeptAtExitAndNamed()
    {
        Server.Stop();
        var h = await SessionHarness.StartAsync(("session_postgres", Database), ("session_host_id", "a"), ("session_flush_ms", 20));
        foreach (var flow in Captured(3))
        {
            await h.CaptureAsync(flow);
        }

        await h.DoneAsync();
        var kept = h.Logs.Single(l => l.Message.StartsWith("3 flows did not reach the fleet store; they are kept in ", StringComparison.Ordinal)).Message;
        var path = kept["3 flows did not reach the fleet store; they are kept in ".Length..kept.IndexOf(':', StringComparison.Ordinal)];
        try
        {
            using var file = SessionStore.Open(path, readOnly: true);
            Assert.That(file.Count(), Is.EqualTo(3));
        }
        finally
        {
            foreach (var leftover in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(leftover);
            }
        }
    }

    [Test]
    public async Task SpilledFlowsLeftAtExitStayInTheFileAndAreReplayedAtTheNextStart()
    {
        var path = _temp.File("spill.session");
        var h = await Start("a", path);
        Server.Stop();
        var flows = Captured(10);
        foreach (var flow in flows)
        {
            await h.CaptureAsync(flow);
        }

        await h.DoneAsync();
        Server.Resume();
        Assert.That(StoredCount(), Is.Zero);

        var next = await Start("a", path);
        await Until(() => StoredCount() == 10);
        await next.DoneAsync();
        Assert.That(StoredCount(), Is.EqualTo(10));
        ModelAssert.AllPropertiesEqual(flows[9], await LoadFromStore(flows[9].Id));
    }

    [Test]
    public async Task TwoHostsGivenOneIdAndFleetCommandsWithoutAStoreAreRefusedInOneSentence()
    {
        var a = await Start("same");
        var (second, rejection) = await SessionHarness.CreateAsync(Settings("same", _temp.File("b.session"), ("session_required", true)));
        Assert.That(second, Is.Null);
        Assert.That(rejection, Does.Contain("Host id same is in use by another host writing to the fleet store"));
        Assert.That(async () => await a.RunAsync("session.clear"), Throws.Exception.Message.Contains("session.clear left it as it is"));
        Assert.That(async () => await a.RunAsync("session.fleet.open", "~c 404", "yesterday"), Throws.Exception.Message.Contains("since 'yesterday' is not a time"));
        await a.DoneAsync();

        var plain = await SessionHarness.StartAsync(("session_path", _temp.File("plain.session")));
        Assert.That(async () => await plain.RunAsync("session.fleet.open"), Throws.Exception.Message.EqualTo("No fleet store is configured (session_postgres), so there are no fleet flows to open."));
        await plain.DoneAsync();
    }

    private Task<SessionHarness> Start(string host, string? path = null) =>
        SessionHarness.StartAsync(Settings(host, path ?? _temp.File($"{host}.session")));

    private (string, object)[] Settings(string host, string path, params (string, object)[] more) =>
    [
        ("session_path", path),
        ("session_postgres", Database),
        ("session_host_id", host),
        ("session_flush_ms", 20),
        ("session_postgres_retry_ms", 100),
        ("session_hot_flows", 5),
        .. more,
    ];

    private long StoredCount()
    {
        try
        {
            using var connection = new NpgsqlConnection(Database + ";Pooling=false");
            connection.Open();
            using var command = new NpgsqlCommand("SELECT count(*) FROM addons_flow", connection);
            return (long)command.ExecuteScalar()!;
        }
        catch (PostgresException e) when (e.SqlState == "42P01")
        {
            return 0;
        }
    }

    private async Task<Flow?> LoadFromStore(Guid id)
    {
        await using var connection = new NpgsqlConnection(Database + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT record, request_body, response_body FROM addons_flow WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? FlowCodec.Decode(reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2))
            : null;
    }
}
