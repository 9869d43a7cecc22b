using Addons.Abstractions.Flows;
using Addons.Host.Filters;
using Addons.Session.Fleet;
using Addons.Session.Storage;
using Addons.Session.Tests.Storage;
using Npgsql;
using static Addons.Session.Tests.Addon.SessionColdFlowTests;

namespace Addons.Session.Tests.Fleet;

/// <summary>The fleet store against a real PostgreSQL: COPY batches, hosts, day partitions, filters pushed down, refusals.</summary>
public sealed class FleetStoreTests : PostgresTests
{
    [Test]
    public void TwoHostsWriteToOneStoreAndEveryFlowComesBackWholeTaggedWithItsHost()
    {
        var first = Captured(30);
        var second = Captured(20).Select(f => Renamed(f, "second.example")).ToList();
        using (var a = FleetStore.Open(Database, "host-a"))
        using (var b = FleetStore.Open(Database, "host-b"))
        using (var writeA = a.CreateWriter())
        using (var writeB = b.CreateWriter())
        {
            writeA.WriteBatch(Encode(first));
            writeB.WriteBatch(Encode(second));
        }

        using var reader = FleetStore.Open(Database, "viewer");
        var all = reader.Reader.Select(null, FleetQuery.For(null), int.MaxValue);
        Assert.Multiple(() =>
        {
            Assert.That(all.Flows.Select(f => f.Id), Is.EquivalentTo(first.Concat(second).Select(f => f.Id)));
            Assert.That(all.Hosts, Is.EquivalentTo(new Dictionary<string, int> { ["host-a"] = 30, ["host-b"] = 20 }));
            Assert.That(all.Flows.Select(f => f.TimestampCreated), Is.Ordered, "in creation order");
        });
        foreach (var flow in new[] { first[0], first[7], second[19] })
        {
            ModelAssert.AllPropertiesEqual(flow, reader.Reader.Load(flow.Id));
        }

        Assert.That(reader.Reader.Load(Guid.NewGuid()), Is.Null);
    }

    [Test]
    public void AFlowWrittenAgainReplacesItsRowAndKeepsTheHostThatCapturedIt()
    {
        var flows = Captured(5);
        using var store = FleetStore.Open(Database, "host-a");
        using var other = FleetStore.Open(Database, "host-b");
        using var writer = store.CreateWriter();
        using var otherWriter = other.CreateWriter();
        writer.WriteBatch(Encode(flows));
        flows[2].Marked = ":star:";
        flows[2].Comment = "seen";
        otherWriter.WriteBatch(Encode([flows[2]]));

        Assert.That(Scalar("SELECT count(*) FROM addons_flow"), Is.EqualTo(5L));
        Assert.That(store.Reader.Select(null, FleetQuery.For(null), 100).Hosts, Is.EquivalentTo(new Dictionary<string, int> { ["host-a"] = 5 }));
        Assert.That(store.Reader.Load(flows[2].Id)!.Comment, Is.EqualTo("seen"));
        Assert.That(store.Reader.Select(Filter("~marked"), FleetQuery.For("~marked"), 100).Flows.Select(f => f.Id), Does.Contain(flows[2].Id));
    }

    [Test]
    public void EachDayIsAPartitionAndDroppingOldDaysRemovesOnlyTheirFlows()
    {
        var flows = Captured(6);
        for (var i = 0; i < flows.Count; i++)
        {
            flows[i].TimestampCreated = new DateTimeOffset(2026, 11, 1 + (i / 2), 12, 0, i, TimeSpan.Zero);
        }

        using var store = FleetStore.Open(Database, "host-a");
        using (var writer = store.CreateWriter())
        {
            writer.WriteBatch(Encode(flows));
        }

        Assert.That(Scalar("SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'addons_flow'"), Is.EqualTo(3L));
        var window = store.Reader.Select(null, FleetQuery.For(null, new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero)), 100);
        Assert.That(window.Flows.Select(f => f.Id), Is.EqualTo(flows.Skip(2).Take(2).Select(f => f.Id)), "a time range reads its days");

        Assert.That(store.DropBefore(new DateOnly(2026, 11, 3)), Is.EqualTo(new[] { new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 2) }));
        Assert.That(store.Reader.Select(null, FleetQuery.For(null), 100).Flows.Select(f => f.Id), Is.EqualTo(flows.Skip(4).Select(f => f.Id)));
    }

    [Test]
    public void AWriterMakesADayAgainThatWasDroppedSinceItMadeIt()
    {
        var flows = Captured(4);
        foreach (var flow in flows)
        {
            flow.TimestampCreated = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
        }

        using var store = FleetStore.Open(Database, "host-a");
        using var writer = store.CreateWriter();
        writer.WriteBatch(Encode(flows.Take(2)));
        store.DropBefore(new DateOnly(2026, 11, 2));
        writer.WriteBatch(Encode(flows.Skip(2)));

        Assert.That(store.Reader.Select(null, FleetQuery.For(null), 10).Flows.Select(f => f.Id), Is.EquivalentTo(flows.Skip(2).Select(f => f.Id)));
    }

    [Test]
    public void AFilterSelectsWhatItMatchesWhetherSqlOrTheRecordsDecideIt()
    {
        var flows = Captured(300);
        using var store = FleetStore.Open(Database, "host-a");
        using (var writer = store.CreateWriter())
        {
            writer.WriteBatch(Encode(flows));
        }

        foreach (var expression in new[] { "~c 404", "~m POST ~d h1", "~u item/1", "~b secret", "~h x-debug | ~m POST", "!~c 404 & ~marked", "~d H2.EXAMPLE ~c 200", "~q", "~s ~e" })
        {
            var filter = Filter(expression);
            var selected = store.Reader.Select(filter, FleetQuery.For(expression), int.MaxValue);
            Assert.That(selected.Flows.Select(f => f.Id), Is.EquivalentTo(flows.Where(filter.Matches).Select(f => f.Id)), expression);
        }

        var pushed = store.Reader.Select(Filter("~c 404 ~m POST"), FleetQuery.For("~c 404 ~m POST"), int.MaxValue);
        Assert.That(pushed.Read, Is.EqualTo(flows.Count(f => f.Response!.StatusCode == 404 && f.Request.Method == "POST")), "SQL returns only the rows it could not rule out");
        Assert.That(store.Reader.Select(Filter("~c 404"), FleetQuery.For("~c 404"), 3).Truncated, Is.True, "a selection cut by the limit says so");
    }

    [Test]
    public void TextPostgreSQLCannotHoldIsCleanedInTheColumnsAndKeptExactInTheRecord()
    {
        var flow = SampleFlows.Simple(1);
        flow.Request.Path = "/a\0b";
        flow.Marked = "nul \0 and \U0001F600";
        using var store = FleetStore.Open(Database, "host-a");
        using (var writer = store.CreateWriter())
        {
            writer.WriteBatch(Encode([flow]));
        }

        var summary = store.Reader.Select(null, FleetQuery.For(null), 10).Flows.Single();
        Assert.That(summary.Url, Does.EndWith("/a\uFFFDb"));
        Assert.That(summary.Marked, Is.EqualTo("nul \uFFFD and \U0001F600"));
        ModelAssert.AllPropertiesEqual(flow, store.Reader.Load(flow.Id));
    }

    [Test]
    public void TwoHostsGivenOneIdAreRefusedInOneSentence()
    {
        using var first = FleetStore.Open(Database, "same");
        var e = Assert.Throws<FleetStoreException>(() => FleetStore.Open(Database, "same"));
        Assert.That(e!.Message, Is.EqualTo($"Host id same is in use by another host writing to the fleet store (PostgreSQL database {DatabaseName} at 127.0.0.1:{Server.Port}); give each host its own session_host_id."));
    }

    [Test]
    public void AStoreOfANewerSchemaIsRefused()
    {
        using (FleetStore.Open(Database, "a"))
        {
        }

        Execute("UPDATE addons_schema SET version = 99 WHERE name = 'fleet'");
        var e = Assert.Throws<FleetStoreException>(() => FleetStore.Open(Database, "a"));
        Assert.That(e!.Message, Does.Contain("has schema version 99, newer than this build's 1"));
    }

    [Test]
    public void AMalformedConnectionStringAndAServerThatIsDownAreOneSentenceWithoutThePassword()
    {
        var malformed = Assert.Throws<FleetStoreException>(() => FleetStore.Open("Host=127.0.0.1;Bogus Key=1", "a"));
        Assert.That(malformed!.Message, Does.StartWith("session_postgres is not a PostgreSQL connection string"));

        var down = new NpgsqlConnectionStringBuilder(Database) { Port = PostgresServer.FreePort() }.ConnectionString;
        var refused = Assert.Throws<FleetStoreException>(() => FleetStore.Open(down, "a"));
        Assert.That(refused!.Message, Does.StartWith($"The fleet store (PostgreSQL database {DatabaseName} at 127.0.0.1:").And.EndWith("could not be reached: Connection refused."));
        Assert.That(refused.Message, Does.Not.Contain(Server.Password));
        Assert.That(refused.Message.Split('\n'), Has.Length.EqualTo(1));
    }

    internal static List<EncodedFlow> Encode(IEnumerable<HttpFlow> flows)
    {
        var codec = new FlowCodec();
        return [.. flows.Select(flow =>
        {
            var encoded = new EncodedFlow();
            encoded.Capture(flow, codec, copyBodies: true);
            return encoded;
        })];
    }

    internal static Abstractions.Filters.IFlowFilter Filter(string expression) => FlowFilter.Parse(expression);

    private static HttpFlow Renamed(HttpFlow flow, string host)
    {
        flow.Request.Host = host;
        return flow;
    }

    private object? Scalar(string sql)
    {
        using var connection = new NpgsqlConnection(Database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    private void Execute(string sql) => Scalar(sql);
}
