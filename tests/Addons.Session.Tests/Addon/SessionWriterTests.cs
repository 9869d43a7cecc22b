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

    [Test]
    public async Task AProducerFindingTheQueueFullWaitsUntilTheWriterTakesABatchAndNothingIsLost()
    {
        var path = _temp.File("s.sqlite");
        using var store = SessionStore.Open(path);
        var writer = WriterWithRoomForTwo(store);
        var flows = Enumerable.Range(0, 12).Select(i => SampleFlows.Simple(i)).ToList();
        using var release = new ManualResetEventSlim();
        var (held, blocking) = HoldTheStore(writer, release);

        // The writer is stuck with a batch of at most 2 and the queue holds 2 more: the 5th flow at the latest waits.
        var (queued, waiting) = await EnqueueUntilOneWaits(writer, flows);
        Assert.That(queued, Is.LessThanOrEqualTo(5), "a full queue makes the producer wait");

        release.Set();
        await blocking;
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var flow in flows.Skip(queued))
        {
            await writer.EnqueueAsync(flow, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }

        await writer.DisposeAsync();
        Assert.That(held, Is.True);
        Assert.That(store.ReadAll().Select(f => f.Id), Is.EqualTo(flows.Select(f => f.Id)), "every flow once, in order");
        Assert.That(writer.Lost, Is.Zero);
    }

    [Test]
    public async Task AProducerWaitingForRoomCanBeCancelledAndItsFlowIsNotWritten()
    {
        var path = _temp.File("s.sqlite");
        using var store = SessionStore.Open(path);
        var writer = WriterWithRoomForTwo(store);
        var flows = Enumerable.Range(0, 5).Select(i => SampleFlows.Simple(i)).ToList();
        using var release = new ManualResetEventSlim();
        var (_, blocking) = HoldTheStore(writer, release);
        using var cancel = new CancellationTokenSource();
        var (queued, waiting) = await EnqueueUntilOneWaits(writer, flows, cancel.Token);
        Assert.That(queued, Is.LessThanOrEqualTo(5));

        await cancel.CancelAsync();

        Assert.That(async () => await waiting, Throws.InstanceOf<OperationCanceledException>());
        release.Set();
        await blocking;
        await writer.DisposeAsync();
        Assert.That(store.ReadAll().Select(f => f.Id), Is.EqualTo(flows.Take(queued - 1).Select(f => f.Id)), "the cancelled flow is not written");
        Assert.That(writer.QueueDepth, Is.Zero);
    }

    [Test]
    public async Task ManyProducersThroughATinyQueueWriteEveryFlowOnce()
    {
        var path = _temp.File("s.sqlite");
        using var store = SessionStore.Open(path);
        var writer = new SessionWriter(store, new SessionWriterOptions { BatchSize = 8, QueueCapacity = 16, FlushPeriod = TimeSpan.FromMilliseconds(1) }, _ => { }, NullLogger.Instance);
        var producers = Enumerable.Range(0, 8).Select(p => Task.Run(async () =>
        {
            var ids = new List<Guid>();
            for (var i = 0; i < 300; i++)
            {
                var flow = SampleFlows.Simple((p * 1000) + i);
                ids.Add(flow.Id);
                await writer.EnqueueAsync(flow, CancellationToken.None);
            }

            return ids;
        })).ToList();

        var queued = (await Task.WhenAll(producers).WaitAsync(TimeSpan.FromSeconds(60))).SelectMany(ids => ids).ToList();
        await writer.DisposeAsync();

        var stored = store.ReadAll().Select(f => f.Id).ToList();
        Assert.That(stored, Is.EquivalentTo(queued));
        Assert.That(stored.Distinct().Count(), Is.EqualTo(queued.Count));
        Assert.That(writer.Written, Is.EqualTo(queued.Count));
    }

    /// <summary>A writer taking batches of 2 with room for 2 more in its queue.</summary>
    private static SessionWriter WriterWithRoomForTwo(SessionStore store) =>
        new(store, new SessionWriterOptions { BatchSize = 2, QueueCapacity = 2, FlushPeriod = TimeSpan.FromMilliseconds(1) }, _ => { }, NullLogger.Instance);

    /// <summary>Holds the store (as a session command does) until <paramref name="release"/> is set, so the writer blocks on its next batch.</summary>
    private static (bool Held, Task Blocking) HoldTheStore(SessionWriter writer, ManualResetEventSlim release)
    {
        using var entered = new ManualResetEventSlim();
        var blocking = Task.Run(() => writer.WithStore(_ =>
        {
            entered.Set();
            release.Wait();
            return 0;
        }));
        return (entered.Wait(TimeSpan.FromSeconds(10)), blocking);
    }

    /// <summary>
    /// Queues <paramref name="flows"/> in order until one still waits after 300 ms (one that waits less found the queue
    /// full while the writer was still taking flows); how many were queued with it, and its wait.
    /// </summary>
    private static async Task<(int Queued, Task Waiting)> EnqueueUntilOneWaits(SessionWriter writer, List<HttpFlow> flows, CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < flows.Count; i++)
        {
            var enqueue = writer.EnqueueAsync(flows[i], cancellationToken).AsTask();
            if (await Task.WhenAny(enqueue, Task.Delay(300, CancellationToken.None)) != enqueue)
            {
                return (i + 1, enqueue);
            }

            await enqueue;
        }

        throw new AssertionException($"All {flows.Count} flows were queued at once although the writer was held.");
    }

    private sealed class OtherFlow : Flow
    {
        public override FlowType Type => FlowType.Dns;

        public override Flow Copy() => new OtherFlow();
    }
}
