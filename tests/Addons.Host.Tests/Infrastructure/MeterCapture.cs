using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// A <see cref="MeterListener"/> on the meters of one scope (a host's <see cref="IMeterFactory"/>): every measurement
/// they record, kept to sum up by instrument and tags, as dotnet-counters or OpenTelemetry would read them. Other
/// hosts' meters in the process, of tests running alongside, are not listened to.
/// </summary>
internal sealed class MeterCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measurements = new();

    public MeterCapture(object scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments (gauges) now, as a collector does at each interval.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    /// <summary>The measurements of <paramref name="instrument"/> that carry every one of <paramref name="tags"/>.</summary>
    public IReadOnlyList<double> Values(string instrument, params (string Key, object? Value)[] tags) =>
        [.. _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && Equals(v, t.Value))).Select(m => m.Value)];

    public double Sum(string instrument, params (string Key, object? Value)[] tags) => Values(instrument, tags).Sum();

    /// <summary>The value an observable instrument gave at the last <see cref="Observe"/>.</summary>
    public double Last(string instrument, params (string Key, object? Value)[] tags) => Values(instrument, tags).LastOrDefault(double.NaN);

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, tagValue) in tags)
        {
            fields[key] = tagValue;
        }

        _measurements.Enqueue(new Measured(instrument.Name, value, fields));
    }

    private sealed record Measured(string Instrument, double Value, Dictionary<string, object?> Tags);
}
