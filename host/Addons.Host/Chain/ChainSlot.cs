using Addons.Host.Loading;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Chain;

/// <summary>
/// One place in the chain and the addon in it. A watched plugin keeps its place, and its <see cref="HookGate"/>, when a
/// new build replaces it: a delivery that took the chain's list before the swap reaches the new instance through the
/// place, never the old one after its <c>done</c>. The place also holds the logger of the addon's category, which the
/// chain asks whether to begin a log scope for a hook.
/// </summary>
internal sealed class ChainSlot(LoadedAddon addon, HookGate? gate, ILogger logger)
{
    private volatile LoadedAddon _addon = addon;
    private volatile ILogger _logger = logger;

    public LoadedAddon Addon => _addon;

    /// <summary>The logger of the addon's category (the one it was given).</summary>
    public ILogger Logger => _logger;

    /// <summary>The gate of a watched plugin; null for every other addon, whose hooks are called directly.</summary>
    public HookGate? Gate { get; } = gate;

    public void Swap(LoadedAddon next, ILogger logger)
    {
        _logger = logger;
        _addon = next;
    }
}
