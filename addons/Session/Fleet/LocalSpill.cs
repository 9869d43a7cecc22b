using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;

namespace Addons.Session.Fleet;

/// <summary>The spill file's flows, read through the writer between its batches.</summary>
internal sealed class LocalSpill(SessionWriter writer) : ILocalFlows
{
    public Flow? Load(Guid id)
    {
        try
        {
            return writer.WithStore(store => store.Count() == 0 ? null : store.ReadFlow(id));
        }
        catch (SessionStoreException)
        {
            // The fleet store is asked next, and its failure, if any, is the one reported.
            return null;
        }
    }

    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        writer.WithStore(store => store.Count() == 0 ? new HashSet<Guid>() : store.Match(filter, ids, cancellationToken));
}
