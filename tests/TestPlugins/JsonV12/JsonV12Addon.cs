using Addons.Abstractions;
using Newtonsoft.Json;

[assembly: AddonEntryPoint(typeof(JsonV12.JsonV12Addon))]

namespace JsonV12;

/// <summary>Answers which Newtonsoft.Json it sees, and uses it.</summary>
public sealed class JsonV12Addon : Addon
{
    public override void Load(IAddonLoader loader)
    {
        loader.AddCommand($"{Name}.version", () => typeof(JsonConvert).Assembly.GetName().Version!.ToString(), "The Newtonsoft.Json version this plugin loaded.");
        loader.AddCommand($"{Name}.serialize", (string text) => JsonConvert.SerializeObject(new { text }), "Serializes with Newtonsoft.Json.");
    }
}
