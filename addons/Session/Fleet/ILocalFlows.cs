using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;

namespace Addons.Session.Fleet;

/// <summary>This host's flows kept locally (the spill file), which a <see cref="FleetArchive"/> falls back to.</summary>
internal interface ILocalFlows
{
    Flow? Load(Guid id);

    IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken);
}
