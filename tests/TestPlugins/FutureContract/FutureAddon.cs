using Addons.Abstractions;

[assembly: AddonEntryPoint(typeof(FutureContract.FutureAddon))]

namespace FutureContract;

/// <summary>An ordinary addon; only the contract version it was built against is wrong for the host.</summary>
public sealed class FutureAddon : Addon
{
}
