using System.Globalization;
using Addons.Abstractions;
using Addons.Abstractions.Hooks;

[assembly: AddonEntryPoint(typeof(Hello.HelloAddon))]

namespace Hello;

/// <summary>The smallest useful addon: it counts the responses that pass the proxy, in a header of each.</summary>
public sealed class HelloAddon : Addon
{
    private int _count;

    public override ValueTask ResponseAsync(HttpFlowContext context)
    {
        context.Flow.Response?.Headers.Set("X-Hello-Count", Interlocked.Increment(ref _count).ToString(CultureInfo.InvariantCulture));
        return default;
    }
}
