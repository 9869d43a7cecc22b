using System.Diagnostics.Metrics;
using Addons.Abstractions.Events;
using Addons.Abstractions.Flows;
using Addons.Host.Diagnostics;
using Addons.Host.Events;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Events;

public sealed class EventBusTests
{
    [Test]
    public async Task AMessagePublishedByOnePluginReachesAnotherAndAThrowingSubscriberHarmsNoOne()
    {
        await using var host = await TestHost.StartAsync(
        [
            TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1),
            TestHost.Entry("Thrower", TestPaths.TestPlugin("Thrower"), 2),
            TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 3),
        ]);

        await host.ExecuteAsync("recorder.publish", "http://example.com/news");

        Assert.That(await host.RecordedAsync("second"), Has.Member("bus:example.com/news"), "a subscriber in another plugin got the typed message");
        Assert.That(await host.RecordedAsync("recorder"), Has.Member("bus:example.com/news"));
        Assert.That(host.Logs.Errors.Select(e => e.Message), Has.Member(
            "Addon 'thrower': its subscriber to HttpFlow threw InvalidOperationException: thrower subscriber failed"));
    }

    [Test]
    public async Task UnloadingAPluginRemovesItsSubscriptionsCommandsAndOptions()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1), TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 2)]);
        Assert.That(host.Bus.CountSubscribers(typeof(HttpFlow)), Is.EqualTo(2));

        Assert.That(await host.Addons.UnloadAsync("second", CancellationToken.None), Is.True);

        Assert.Multiple(async () =>
        {
            Assert.That(host.Bus.CountSubscribers(typeof(HttpFlow)), Is.EqualTo(1));
            Assert.That(host.Commands.Find("second.log"), Is.Null);
            Assert.That(host.Options.Find("second_value"), Is.Null);
            Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "recorder" }));
            await host.ExecuteAsync("recorder.publish", "http://example.com/after");
            Assert.That(await host.RecordedAsync("recorder"), Has.Member("bus:example.com/after"));
        });
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Member("Unloaded addon 'second' (plugin Second)"));
    }

    [Test]
    public void SynchronousSubscribersRunInOrderAndAFailureReachesNeitherThePublisherNorTheOthers()
    {
        var (bus, logs) = NewBus();
        var seen = new List<string>();
        bus.Subscribe<string>(() => "first", m => seen.Add("first:" + m));
        bus.Subscribe<string>(() => "broken", _ => throw new InvalidOperationException("boom"));
        bus.Subscribe<string>(() => "third", m => seen.Add("third:" + m));

        Assert.DoesNotThrow(() => bus.Publish("hi"));

        Assert.That(seen, Is.EqualTo(new[] { "first:hi", "third:hi" }));
        Assert.That(logs.Errors.Single().Message, Is.EqualTo("Addon 'broken': its subscriber to String threw InvalidOperationException: boom"));
    }

    [Test]
    public void MessagesGoOnlyToSubscribersOfTheirExactType()
    {
        var (bus, _) = NewBus();
        var strings = 0;
        var ints = 0;
        bus.Subscribe<string>(() => "a", _ => strings++);
        bus.Subscribe<int>(() => "a", _ => ints++);

        bus.Publish("x");
        bus.Publish(1);
        bus.Publish(2);

        Assert.That((strings, ints), Is.EqualTo((1, 2)));
    }

    [Test]
    public async Task AnAsynchronousSubscriberGetsEveryMessageInOrderAndSurvivesItsOwnFailure()
    {
        var (bus, logs) = NewBus();
        var seen = new List<int>();
        var all = new TaskCompletionSource();
        using var subscription = bus.Subscribe<int>(() => "slow", async (m, ct) =>
        {
            await Task.Yield();
            if (m == 3)
            {
                throw new InvalidOperationException("three");
            }

            seen.Add(m);
            if (m == 10)
            {
                all.SetResult();
            }
        }, new AsyncSubscriptionOptions { Capacity = 4 });

        for (var i = 1; i <= 10; i++)
        {
            await bus.PublishAsync(i, CancellationToken.None);
        }

        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => subscription.Delivered == 10);
        Assert.That(seen, Is.EqualTo(new[] { 1, 2, 4, 5, 6, 7, 8, 9, 10 }));
        Assert.That(subscription.Delivered, Is.EqualTo(10));
        Assert.That(subscription.Dropped, Is.Zero);
        Assert.That(logs.Errors.Single().Message, Is.EqualTo("Addon 'slow': its subscriber to Int32 threw InvalidOperationException: three"));
    }

    [Test]
    public async Task WithTheWaitPolicyAPublisherWaitsForRoomAndNothingIsLost()
    {
        var (bus, _) = NewBus();
        var release = new TaskCompletionSource();
        var seen = new List<int>();
        using var subscription = bus.Subscribe<int>(() => "blocked", async (m, ct) =>
        {
            await release.Task.WaitAsync(ct);
            seen.Add(m);
        }, new AsyncSubscriptionOptions { Capacity = 1, Policy = BackpressurePolicy.Wait });

        await bus.PublishAsync(1, CancellationToken.None); // taken by the consumer, which then blocks
        await WaitUntilAsync(() => subscription.QueueDepth == 0);
        await bus.PublishAsync(2, CancellationToken.None); // fills the queue
        var third = bus.PublishAsync(3, CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.That(third.IsCompleted, Is.False, "the publisher waits while the queue is full");

        release.SetResult();
        await third.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => subscription.Delivered == 3);
        Assert.That(seen, Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [TestCase(BackpressurePolicy.DropOldest, new[] { 1, 4 })]
    [TestCase(BackpressurePolicy.DropNewest, new[] { 1, 2 })]
    public async Task DroppingPoliciesCountAndLogWhatTheyDrop(BackpressurePolicy policy, int[] expected)
    {
        var (bus, logs) = NewBus();
        var release = new TaskCompletionSource();
        var seen = new List<int>();
        using var subscription = bus.Subscribe<int>(() => "lossy", async (m, ct) =>
        {
            await release.Task.WaitAsync(ct);
            seen.Add(m);
        }, new AsyncSubscriptionOptions { Capacity = 1, Policy = policy });

        bus.Publish(1);
        await WaitUntilAsync(() => subscription.QueueDepth == 0);
        bus.Publish(2);
        bus.Publish(3);
        bus.Publish(4);
        release.SetResult();
        await WaitUntilAsync(() => subscription.Delivered == 2);

        Assert.That(seen, Is.EqualTo(expected));
        Assert.That(subscription.Dropped, Is.EqualTo(2));
        Assert.That(logs.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).First(),
            Is.EqualTo($"Addon 'lossy': its queue for Int32 is full (1); 1 message(s) dropped so far by policy {policy}"));
    }

    [Test]
    public async Task QueueDepthsAndDropsShowInTheMetricsBySubscriberAndMessageType()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var metrics = new MeterCapture(meters);
        var (bus, _) = NewBus(meters);
        var release = new TaskCompletionSource();
        using var subscription = bus.Subscribe<int>(() => "lossy", (m, ct) => new ValueTask(release.Task.WaitAsync(ct)), new AsyncSubscriptionOptions { Capacity = 1, Policy = BackpressurePolicy.DropNewest });
        using var quick = bus.Subscribe<int>(() => "quick", _ => { });

        bus.Publish(1);
        await WaitUntilAsync(() => subscription.QueueDepth == 0);
        bus.Publish(2);
        bus.Publish(3);
        bus.Publish(4);
        metrics.Observe();
        release.SetResult();

        Assert.That(metrics.Last("addons.bus.queue.depth", ("subscriber", "lossy"), ("message_type", "Int32")), Is.EqualTo(1));
        Assert.That(metrics.Values("addons.bus.queue.depth", ("subscriber", "quick")), Is.Empty, "a synchronous subscriber has no queue");
        Assert.That(metrics.Sum("addons.bus.messages.dropped", ("subscriber", "lossy"), ("message_type", "Int32")), Is.EqualTo(2));
    }

    [Test]
    public async Task ADisposedSubscriptionReceivesNothingMore()
    {
        var (bus, _) = NewBus();
        var count = 0;
        var subscription = bus.Subscribe<int>(() => "gone", (m, ct) =>
        {
            Interlocked.Increment(ref count);
            return default;
        });
        await bus.PublishAsync(1, CancellationToken.None);
        await WaitUntilAsync(() => subscription.Delivered == 1);

        subscription.Dispose();
        await bus.PublishAsync(2, CancellationToken.None);
        await Task.Delay(50);

        Assert.That(count, Is.EqualTo(1));
        Assert.That(bus.CountSubscribers(typeof(int)), Is.Zero);
    }

    [Test]
    public void AnAsynchronousSubscriptionNeedsRoomForOneMessage()
    {
        var (bus, _) = NewBus();

        Assert.That(() => bus.Subscribe<int>(() => "tiny", (int m, CancellationToken ct) => default(ValueTask), new AsyncSubscriptionOptions { Capacity = 0 }),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.StartWith("Addon 'tiny': an asynchronous subscription to Int32 needs a capacity of at least 1."));
    }

    private static (EventBus Bus, LogCollector Logs) NewBus(IMeterFactory? meters = null)
    {
        var logs = new LogCollector();
        meters ??= new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return (new EventBus(new Logger<EventBus>(new LoggerFactory([logs])), new HostMetrics(meters)), logs);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("the condition did not become true within 10 s");
            }

            await Task.Delay(5);
        }
    }
}
