using Addons.Abstractions;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;

namespace EmbeddedWorker;

/// <summary>
/// An addon of the application itself: no plugin folder, made with the application's services (the counter), and
/// configured as a plugin is, from its entry under AddonProxy:Addons:StampAddon:Options.
/// </summary>
public sealed class StampAddon(ResponseCounter counter) : Addon
{
    private IOption<string> _value = null!;

    public override string Name => "stamp";

    public override void Load(IAddonLoader loader) =>
        _value = loader.AddOption("stamp_value", "EmbeddedWorker", "The value of the X-Stamped-By header on every response.");

    public override ValueTask ResponseAsync(HttpFlowContext context)
    {
        var number = counter.Increment();
        context.Flow.Response!.Headers.Set("X-Stamped-By", $"{_value.Value} #{number}");
        return default;
    }
}
