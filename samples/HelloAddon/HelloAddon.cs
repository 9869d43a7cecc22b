using Addons.Abstractions;
using Addons.Abstractions.Hooks;

[assembly: AddonEntryPoint(typeof(HelloAddon.HelloAddon))]

namespace HelloAddon;

/// <summary>The smallest useful addon: it adds a header to every response that passes the proxy.</summary>
public sealed class HelloAddon : Addon
{
    private int _count;

    /// <inheritdoc />
    public override ValueTask ResponseAsync(HttpFlowContext context)
    {
        context.Flow.Response?.Headers.Set("X-Hello-Count", Interlocked.Increment(ref _count).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return default;
    }
}
