using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;
using Addons.Session.Storage;
using Addons.Session.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Addons.Session.Tests.Addon;

/// <summary>The writer on its own: what it queues is what it writes, once, whatever happens to the flow afterwards.</summary>
public sealed class SessionWriterTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void CreateFolder() => _temp = new TempDirectory();

    [TearDown]
    public void DeleteFolder() => _temp.Dispose();

    [Test]
    public async Task AFlowQueuedAgainWhileWaitingIsWrittenOnceAsLastQueued()
    {
        var path = _temp.File("s.sqlite");
        var persisted = new List<FlowsPersisted>();
        using var store = SessionStore.Open(path);
        var writer = new SessionWriter(store, new SessionWriterOptions { FlushPeriod = TimeSpan.FromMinutes(1) }, persisted.Add, NullLogger.Instance);
        var flow = SampleFlows.Simple(1);
        var other = SampleFlows.Simple(2);
        flow.Comment = "first";
        await writer.EnqueueAsync(flow, CancellationToken.None);
        await writer.EnqueueAsync(other, CancellationToken.None);
        flow.Comment = "second";
        await writer.EnqueueAsync(flow, CancellationToken.None);
        await writer.DisposeAsync();

        var stored = store.ReadAll().ToList();
        Assert.Multiple(() =>
        {
            Assert.That(stored.Select(f => f.Id), Is.EqualTo(new[] { flow.Id, other.Id }), "one row per flow, in first-queued order");
            Assert.That(stored[0].Comment, Is.EqualTo("second"));
            Assert.That(persisted.SelectMany(p => p.FlowIds), Is.EqualTo(new[] { flow.Id, other.Id }));
            Assert.That(writer.Written, Is.EqualTo(2));
            Assert.That(writer.Lost, Is.Zero);
        });
    }

    [Test]
    public async Task ABodyStoredApartIsWrittenAsQueuedEvenWhenItsBytesChangeAfterwards()
    {
        var path = _temp.File("s.sqlite");
        using var store = SessionStore.Open(path);
        var writer = new SessionWriter(store, new SessionWriterOptions { FlushPeriod = TimeSpan.FromMinutes(1) }, _ => { }, NullLogger.Instance);
        var flow = SampleFlows.Simple(1, responseBytes: 3 * SessionStoreOptions.DefaultBodyThreshold);
        var queued = flow.Response!.Content!.ToArray();
        await writer.EnqueueAsync(flow, CancellationToken.None);

        // Changed in place, after queueing: the writer must not read the flow's array.
        Array.Fill(flow.Response.Content!, (byte)0xAB);
        flow.Response.StatusCode = 599;
        await writer.DisposeAsync();

        Assert.That(store.LoadBody(flow.Id, BodySide.Response), Is.EqualTo(queued));
        Assert.That(((HttpFlow)store.ReadAll().Single()).Response!.StatusCode, Is.Not.EqualTo(599));
    }

    [Test]
    public async Task AFlowTheSchemaCannotStoreIsCountedAsLostAndTheOthersAreWritten()
    {
        var path = _temp.File("s.sqlite");
        using var store = SessionStore.Open(path);
        var writer = new SessionWriter(store, new SessionWriterOptions { FlushPeriod = TimeSpan.FromMilliseconds(1) }, _ => { }, NullLogger.Instance);
        await writer.EnqueueAsync(new OtherFlow(), CancellationToken.None);
        await writer.EnqueueAsync(SampleFlows.Simple(1), CancellationToken.None);
        await writer.DisposeAsync();

        Assert.That(writer.Lost, Is.EqualTo(1));
        Assert.That(store.ReadAll().Count(), Is.EqualTo(1));
    }

    [Test]
    public async Task EncodedFlowsAreReusedWithoutCarryingOneFlowIntoTheNext()
    {
        // Batches of 2 with room for 4 spares: later flows are encoded into the instances the first ones used.
        var path = _temp.File("s.sqlite");
        using var store = SessionStore.Open(path);
        var writer = new SessionWriter(store, new SessionWriterOptions { BatchSize = 2, QueueCapacity = 4, FlushPeriod = TimeSpan.FromMilliseconds(1) }, _ => { }, NullLogger.Instance);
        var flows = new List<HttpFlow>();
        for (var i = 0; i < 40; i++)
        {
            // Sizes go up and down (the body stored apart for every third), so that a reused buffer is sometimes too long.
            var flow = SampleFlows.Simple(i, responseBytes: i % 3 == 0 ? 6000 : 10 + (37 * i % 500), host: $"h{i}.example");
            flows.Add(flow);
            await writer.EnqueueAsync(flow, CancellationToken.None);
        }

        await writer.DisposeAsync();

        var stored = store.ReadAll().Cast<HttpFlow>().ToList();
        Assert.That(stored.Select(f => (f.Id, f.Request.Host, f.Response!.Content!.Length)),
            Is.EqualTo(flows.Select(f => (f.Id, f.Request.Host, f.Response!.Content!.Length))));
        Assert.That(stored.Select(f => f.Response!.Content), Is.EqualTo(flows.Select(f => f.Response!.Content)));
    }

    private sealed class OtherFlow : Flow
    {
        public override FlowType Type => FlowType.Dns;

        public override Flow Copy() => new OtherFlow();
    }
}
