using System.Diagnostics.Metrics;
using Addons.Abstractions.Storage;

namespace Addons.Session;

/// <summary>
/// The Session's meter, <c>Addons.Session</c>: the writer's queue, its batches and how long each took to commit, the
/// flows written and those not saved. Made in <c>load</c> and disposed at <c>done</c>, so that a reloaded plugin leaves
/// no meter behind; its scope is the addon, so that a listener can tell two instances apart.
/// </summary>
internal sealed class SessionMetrics : IDisposable
{
    public const string MeterName = "Addons.Session";

    // Commits take milliseconds to seconds.
    private static readonly InstrumentAdvice<double> FlushAdvice = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private readonly Meter _meter;
    private readonly Counter<long> _written;
    private readonly Counter<long> _batches;
    private readonly Histogram<double> _flushDuration;

    /// <param name="writer">The writer now, if any (there is none before the first configure, or when the session does not persist).</param>
    public SessionMetrics(SessionAddon scope, Func<SessionWriter?> writer)
    {
        _meter = new Meter(new MeterOptions(MeterName) { Scope = scope });
        _meter.CreateObservableGauge("addons.session.queue.depth", () => writer()?.QueueDepth ?? 0, "{flow}", "Flows waiting to be written to the session file.");
        _flushDuration = _meter.CreateHistogram("addons.session.flush.duration", "s", "How long one batch took to write and commit.", advice: FlushAdvice);
        _written = _meter.CreateCounter<long>("addons.session.flows.written", "{flow}", "Flows written to the session file (a flow written again counts again).");
        _batches = _meter.CreateCounter<long>("addons.session.batches", "{batch}", "Batches committed, one transaction each.");
        _meter.CreateObservableCounter("addons.session.flows.lost", () => writer()?.Lost ?? 0, "{flow}", "Flows not saved: the file failed, or the schema cannot keep their type.");
    }

    /// <summary>A batch committed, as the writer reports it to the bus.</summary>
    public void Committed(FlowsPersisted batch)
    {
        _batches.Add(1);
        _written.Add(batch.FlowIds.Count);
        _flushDuration.Record(batch.WriteDuration.TotalSeconds);
    }

    public void Dispose() => _meter.Dispose();
}
