using Addons.Host.Loading;

namespace Addons.Host.Chain;

/// <summary>
/// One place in the chain and the addon in it. A watched plugin keeps its place, and its <see cref="HookGate"/>, when a
/// new build replaces it: a delivery that took the chain's list before the swap reaches the new instance through the
/// place, never the old one after its <c>done</c>.
/// </summary>
internal sealed class ChainSlot(LoadedAddon addon, HookGate? gate)
{
    private volatile LoadedAddon _addon = addon;

    public LoadedAddon Addon => _addon;

    /// <summary>The gate of a watched plugin; null for every other addon, whose hooks are called directly.</summary>
    public HookGate? Gate { get; } = gate;

    public void Swap(LoadedAddon next) => _addon = next;
}
