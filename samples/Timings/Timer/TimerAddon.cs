using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Timings.Messages;

[assembly: AddonEntryPoint(typeof(Timer.TimerAddon))]

namespace Timer;

/// <summary>Times every response and publishes a <see cref="FlowTimed"/> on the bus for whoever wants it.</summary>
public sealed class TimerAddon : Addon
{
    private IAddonLoader _loader = null!;

    public override void Load(IAddonLoader loader) => _loader = loader;

    public override ValueTask ResponseAsync(HttpFlowContext context)
    {
        var flow = context.Flow;
        if (flow.Response is { } response)
        {
            var end = response.TimestampEnd ?? DateTimeOffset.UtcNow;
            _loader.Bus.Publish(new FlowTimed
            {
                Url = flow.Request.Url,
                StatusCode = response.StatusCode,
                Milliseconds = Math.Max(0, (end - flow.Request.TimestampStart).TotalMilliseconds),
            });
        }

        return default;
    }
}
