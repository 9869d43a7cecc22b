using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;

namespace Addons.Session.Fleet;

/// <summary>
/// The fleet store as an <see cref="IFlowArchive"/>: the View loads from here the cold flows of this host (those past
/// <c>session_hot_flows</c>) and the fleet's flows opened with <c>session.fleet.open</c>. A flow of this host that
/// went to the spill file while PostgreSQL was down is loaded from there (<paramref name="local"/>).
/// </summary>
internal sealed class FleetArchive(FleetStore store, ILocalFlows? local) : IFlowArchive
{
    private volatile bool _open = true;

    public string Name => $"fleet store ({store.Name})";

    public bool IsOpen => _open;

    public Flow? Load(Guid id)
    {
        EnsureOpen($"flow {id} cannot be loaded from it");

        // A flow in the spill file is newer than its row in the store, if it has one: it went there after.
        if (local?.Load(id) is { } spilled)
        {
            return spilled;
        }

        try
        {
            return store.Reader.Load(id);
        }
        catch (FleetStoreException e)
        {
            throw new FlowArchiveException($"Flow {id} cannot be loaded: {e.Message}", e);
        }
    }

    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        EnsureOpen("its flows cannot be filtered");
        try
        {
            var matched = new HashSet<Guid>(store.Reader.Match(filter, ids, cancellationToken));
            if (local is not null)
            {
                matched.UnionWith(local.Match(filter, ids, cancellationToken));
            }

            return matched;
        }
        catch (FleetStoreException e)
        {
            throw new FlowArchiveException($"The flows of the {Name} cannot be filtered: {e.Message}", e);
        }
    }

    /// <summary>No more reads: the session is closing.</summary>
    public void Close() => _open = false;

    private void EnsureOpen(string consequence)
    {
        if (!_open)
        {
            throw new FlowArchiveException($"The {Name} is closed, so {consequence}.");
        }
    }
}
