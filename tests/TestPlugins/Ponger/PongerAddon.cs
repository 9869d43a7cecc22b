using System.Collections.Concurrent;
using Addons.Abstractions;
using PingMessages;

[assembly: AddonEntryPoint(typeof(Ponger.PongerAddon))]

namespace Ponger;

/// <summary>Keeps the text of every <see cref="Ping"/> it receives; ponger.received lists them.</summary>
public sealed class PongerAddon : Addon
{
    private readonly ConcurrentQueue<string> _received = new();

    public override string Name => "ponger";

    public override void Load(IAddonLoader loader)
    {
        loader.Bus.Subscribe<Ping>(ping => _received.Enqueue(ping.Text));
        loader.AddCommand("ponger.received", () => _received.ToArray(), "The texts of the Pings received.");
    }
}
