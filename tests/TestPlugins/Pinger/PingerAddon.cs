using Addons.Abstractions;
using PingMessages;

[assembly: AddonEntryPoint(typeof(Pinger.PingerAddon))]

namespace Pinger;

/// <summary>pinger.ping TEXT publishes a <see cref="Ping"/> on the bus.</summary>
public sealed class PingerAddon : Addon
{
    public override string Name => "pinger";

    public override void Load(IAddonLoader loader) =>
        loader.AddCommand("pinger.ping", (string text) => loader.Bus.Publish(new Ping(text)), "Publishes a Ping.");
}
