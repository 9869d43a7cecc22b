using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;

namespace Addons.Session.Fleet;

/// <summary>
/// The spill file's flows, read through the writer between its batches. While the spill file is empty (as it mostly
/// is), nothing is asked of it: the target's count says so without the writer's lock or a query.
/// </summary>
internal sealed class LocalSpill(SessionWriter writer, FleetTarget target) : ILocalFlows
{
    public Flow? Load(Guid id)
    {
        if (target.Spilled == 0)
        {
            return null;
        }

        try
        {
            return writer.WithStore(store => store.ReadFlow(id));
        }
        catch (SessionStoreException)
        {
            // The fleet store is asked next, and its failure, if any, is the one reported.
            return null;
        }
    }

    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        target.Spilled == 0 ? new HashSet<Guid>() : writer.WithStore(store => store.Match(filter, ids, cancellationToken));
}
