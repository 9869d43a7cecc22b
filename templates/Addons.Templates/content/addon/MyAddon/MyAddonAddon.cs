using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;

[assembly: AddonEntryPoint(typeof(MyAddon.MyAddonAddon))]

namespace MyAddon;

/// <summary>Adds the header X-MyAddon to every response the proxy passes on; its value is the option myaddon_value.</summary>
public sealed class MyAddonAddon : Addon
{
    private IOption<string> _value = null!;

    public override void Load(IAddonLoader loader)
    {
        _value = loader.AddOption("myaddon_value", "hello", "The value of the X-MyAddon header added to every response.");
    }

    // Checked on every change: a refusal keeps the previous value (or, at start, stops the host) with this sentence.
    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (context.Updated.Contains("myaddon_value") && _value.Value.Any(c => char.IsControl(c) || c > '\u00FF'))
        {
            context.Reject("myaddon_value: a header value holds no control or non-Latin-1 characters.");
        }

        return default;
    }

    public override ValueTask ResponseAsync(HttpFlowContext context)
    {
        context.Flow.Response?.Headers.Set("X-MyAddon", _value.Value);
        return default;
    }
}
