using System.Diagnostics.Metrics;

namespace Addons.View;

/// <summary>
/// The View's meter, <c>Addons.View</c>: how many flows it holds and how many its filter shows. Made in <c>load</c> and
/// disposed at <c>done</c>, so that a reloaded plugin leaves no meter behind; its scope is the addon, so that a listener
/// can tell two instances apart.
/// </summary>
internal sealed class ViewMetrics : IDisposable
{
    public const string MeterName = "Addons.View";

    private readonly Meter _meter;

    /// <param name="held">How many flows the store holds, cold ones included (read when collected).</param>
    /// <param name="shown">How many of them the view shows under its filter.</param>
    public ViewMetrics(ViewAddon scope, Func<int> held, Func<int> shown)
    {
        _meter = new Meter(new MeterOptions(MeterName) { Scope = scope });
        _meter.CreateObservableGauge("addons.view.flows", held, "{flow}", "Flows the View holds, in memory or kept as summaries.");
        _meter.CreateObservableGauge("addons.view.flows.shown", shown, "{flow}", "Flows the View shows under its filter.");
    }

    public void Dispose() => _meter.Dispose();
}
