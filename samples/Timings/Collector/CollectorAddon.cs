using System.Globalization;
using Addons.Abstractions;
using Timings.Messages;

[assembly: AddonEntryPoint(typeof(Collector.CollectorAddon))]

namespace Collector;

/// <summary>Keeps the last timings the Timer addon published; <c>collector.timings</c> lists them.</summary>
public sealed class CollectorAddon : Addon
{
    private const int Capacity = 100;
    private readonly Lock _lock = new();
    private readonly Queue<FlowTimed> _timings = new();

    public override void Load(IAddonLoader loader)
    {
        loader.Bus.Subscribe<FlowTimed>(Add);
        loader.AddCommand("collector.timings", List, "The last COUNT timings (10 unless given): status, URL and milliseconds, oldest first.");
    }

    private void Add(FlowTimed timed)
    {
        lock (_lock)
        {
            _timings.Enqueue(timed);
            if (_timings.Count > Capacity)
            {
                _timings.Dequeue();
            }
        }
    }

    private string List(int count = 10)
    {
        lock (_lock)
        {
            return string.Join('\n', _timings.TakeLast(count).Select(t =>
                string.Create(CultureInfo.InvariantCulture, $"{t.StatusCode} {t.Url} {t.Milliseconds:0.0} ms")));
        }
    }
}
