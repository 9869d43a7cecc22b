using System.Collections.Concurrent;
using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Addons.StreamTester.Tests;

public sealed class StreamRunTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task On_a_fake_clock_the_stream_sends_its_rate_in_bursts_exactly_for_its_duration()
    {
        var time = new FakeTimeProvider(Start);
        var injector = new RecordingInjector();
        var run = new StreamRun(new StreamParameters().With(["rate=100", "burst=10", "duration=1s"]), UnitFlow.Synthetic(100, Start), injector, time);
        run.Start();

        // Bursts are due at 0, 100, ..., 900 ms, and none after the second is over, however far the clock goes.
        for (var step = 1; step <= 30; step++)
        {
            await WaitUntilAsync(() => injector.Flows.Count >= Math.Min(10, step) * 10 || run.Producing.IsCompleted, TimeSpan.FromMilliseconds(200));
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        await run.Producing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(run.Offered, Is.EqualTo(100), "100 flows/s for 1 s, in bursts of 10");
        Assert.That(injector.Flows.Select(f => f.Id).Distinct().Count(), Is.EqualTo(100), "each duplicate has a fresh id");
        Assert.That(injector.Flows.Max(f => f.TimestampCreated), Is.LessThan(Start.AddSeconds(1)), "each created when it was sent, within the second");
    }

    [Test]
    public async Task A_count_is_kept_exactly_across_producers_at_rate_max()
    {
        var injector = new RecordingInjector();
        var run = new StreamRun(new StreamParameters().With(["rate=max", "count=1001", "producers=3", "burst=7", "duration=0"]), UnitFlow.Synthetic(10, Start), injector, TimeProvider.System);
        run.Start();

        await run.Producing.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(run.Offered, Is.EqualTo(1001));
        Assert.That(injector.Flows, Has.Count.EqualTo(1001));
    }

    [Test]
    public async Task Persisted_reports_give_latency_batches_and_duplicates_and_the_rest_is_not_persisted()
    {
        var time = new FakeTimeProvider(Start);
        var injector = new RecordingInjector();
        var run = new StreamRun(new StreamParameters().With(["rate=max", "count=10", "duration=0"]), UnitFlow.Synthetic(10, Start), injector, time);
        run.Start();
        await run.Producing.WaitAsync(TimeSpan.FromSeconds(10));
        var ids = injector.Flows.Select(f => f.Id).ToList();

        // Two batches 30 ms and 80 ms after publication; a flow reported twice; two flows never reported.
        run.OnPersisted(new FlowsPersisted { FlowIds = [.. ids.Take(5), Guid.NewGuid()], CommittedAt = Start.AddMilliseconds(30), WriteDuration = TimeSpan.FromMilliseconds(5), QueueDepth = 3 });
        run.OnPersisted(new FlowsPersisted { FlowIds = [.. ids.Skip(5).Take(3), ids[0]], CommittedAt = Start.AddMilliseconds(80), WriteDuration = TimeSpan.FromMilliseconds(5), QueueDepth = 0 });
        var drain = run.DrainAsync(CancellationToken.None);
        for (var i = 0; i < 60 && !drain.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(1);
        }

        await drain.WaitAsync(TimeSpan.FromSeconds(10));
        var result = run.Result();
        Assert.Multiple(() =>
        {
            Assert.That(result.Offered, Is.EqualTo(10));
            Assert.That(result.Persisted, Is.EqualTo(8));
            Assert.That(result.NotPersisted, Is.EqualTo(2), "storage reported nothing for 5 s: the drain gave up on them");
            Assert.That(result.Duplicates, Is.EqualTo(1));
            Assert.That(result.Batches, Is.EqualTo(2));
            Assert.That(result.LargestBatch, Is.EqualTo(6));
            Assert.That(result.MaxQueueDepth, Is.EqualTo(3));
            Assert.That(result.Latency.P50, Is.EqualTo(30));
            Assert.That(result.Latency.Max, Is.EqualTo(80));
            Assert.That(result.Latency.Count, Is.EqualTo(8));
        });
    }

    [Test]
    public async Task SecondsAfter_gives_each_completed_second_once_and_only_the_latest_when_asked_for_fewer()
    {
        var time = new FakeTimeProvider(Start);
        var injector = new RecordingInjector();
        var run = new StreamRun(new StreamParameters().With(["rate=10", "burst=10", "duration=5s"]), UnitFlow.Synthetic(10, Start), injector, time);
        run.Start();
        Assert.That(run.SecondsAfter(0, 600), Is.Empty, "no second has completed yet");

        for (var second = 1; second <= 3; second++)
        {
            await WaitUntilAsync(() => injector.Flows.Count >= second * 10, TimeSpan.FromSeconds(2));
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var all = run.SecondsAfter(0, 600);
        var after = run.SecondsAfter(2, 600);
        var latest = run.SecondsAfter(0, 1);
        run.Stop();
        Assert.Multiple(() =>
        {
            Assert.That(all.Select(s => s.Second), Is.EqualTo(new[] { 1, 2, 3 }), "three seconds have completed; the fourth is running");
            Assert.That(all.Select(s => s.Offered), Is.EqualTo(new long[] { 10, 10, 10 }));
            Assert.That(after.Select(s => s.Second), Is.EqualTo(new[] { 3 }), "a caller that has seconds 1 and 2 gets only 3");
            Assert.That(latest.Select(s => s.Second), Is.EqualTo(new[] { 3 }), "at most the latest one");
            Assert.That(run.SecondsAfter(3, 600), Is.Empty);
        });
    }

    /// <summary>Gives the producers real time to act on the fake clock's last step (the clock itself does not move).</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan atMost)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < atMost)
        {
            await Task.Delay(2);
        }
    }

    private sealed class RecordingInjector : IFlowInjector
    {
        public ConcurrentQueue<Flow> Flows { get; } = new();

        public ValueTask<bool> InjectAsync(Flow flow, CancellationToken cancellationToken = default)
        {
            Flows.Enqueue(flow);
            return ValueTask.FromResult(true);
        }
    }
}
