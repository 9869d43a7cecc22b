using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using static Addons.View.Tests.ViewHarness;

namespace Addons.View.Tests;

/// <summary>The View's meter, read as dotnet-counters or OpenTelemetry would read it.</summary>
public sealed class ViewMetricsTests
{
    [Test]
    public async Task TheViewReportsTheFlowsItHoldsAndThoseItsFilterShowsUntilDone()
    {
        var h = await ViewHarness.CreateAsync();
        var observed = new ConcurrentQueue<(string Instrument, int Value)>();
        var completed = new ConcurrentQueue<string>();
        using var listener = new MeterListener
        {
            // Only this instance's meter: its scope is the addon.
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, h.View))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
            MeasurementsCompleted = (instrument, _) => completed.Enqueue(instrument.Name),
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => observed.Enqueue((instrument.Name, value)));
        listener.Start();

        h.View.Add(T("get"), T("post"), T("get"));
        await h.SetAsync("view_filter", "~m POST");
        listener.RecordObservableInstruments();
        await h.DisposeAsync();

        Assert.That(observed, Is.EquivalentTo(new[] { ("addons.view.flows", 3), ("addons.view.flows.shown", 1) }));
        Assert.That(completed, Is.EquivalentTo(new[] { "addons.view.flows", "addons.view.flows.shown" }), "done disposes the meter");
    }
}
