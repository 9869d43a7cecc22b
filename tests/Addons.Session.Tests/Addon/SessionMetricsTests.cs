using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Addons.Session.Tests.Storage;

namespace Addons.Session.Tests.Addon;

/// <summary>The Session's meter, read as dotnet-counters or OpenTelemetry would read it.</summary>
public sealed class SessionMetricsTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void CreateFolder() => _temp = new TempDirectory();

    [TearDown]
    public void DeleteFolder() => _temp.Dispose();

    [Test]
    public async Task TheSessionReportsItsQueueBatchesFlushTimeAndFlowsWrittenUntilDone()
    {
        var h = await SessionHarness.StartAsync(("session_path", _temp.File("s.sqlite")), ("session_batch_size", 100), ("session_flush_ms", 20));
        var measured = new ConcurrentQueue<(string Instrument, double Value)>();
        var completed = new ConcurrentQueue<string>();
        using var listener = new MeterListener
        {
            // Only this instance's meter: its scope is the addon.
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, h.Session))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
            MeasurementsCompleted = (instrument, _) => completed.Enqueue(instrument.Name),
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured.Enqueue((instrument.Name, value)));
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => measured.Enqueue((instrument.Name, value)));
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => measured.Enqueue((instrument.Name, value)));
        listener.Start();

        for (var i = 0; i < 250; i++)
        {
            await h.CaptureAsync(SampleFlows.Simple(i));
        }

        await h.Session.Writer!.FlushAsync(CancellationToken.None);
        listener.RecordObservableInstruments();
        var batches = h.Persisted.Count;
        await h.DoneAsync();

        double[] Of(string name) => [.. measured.Where(m => m.Instrument == name).Select(m => m.Value)];
        Assert.Multiple(() =>
        {
            Assert.That(Of("addons.session.flows.written").Sum(), Is.EqualTo(250));
            Assert.That(Of("addons.session.batches").Sum(), Is.EqualTo(batches).And.GreaterThanOrEqualTo(3), "batches of at most 100");
            Assert.That(Of("addons.session.flush.duration"), Has.Length.EqualTo(batches).And.All.GreaterThan(0));
            Assert.That(Of("addons.session.queue.depth"), Is.EqualTo(new[] { 0 }), "every flow queued was written");
            Assert.That(Of("addons.session.flows.lost"), Is.EqualTo(new[] { 0 }));
            Assert.That(completed, Is.EquivalentTo(new[]
            {
                "addons.session.queue.depth", "addons.session.flush.duration", "addons.session.flows.written", "addons.session.batches", "addons.session.flows.lost",
            }), "done disposes the meter");
        });
    }
}
