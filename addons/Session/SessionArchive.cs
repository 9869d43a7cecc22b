using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;
using Addons.Session.Storage;

namespace Addons.Session;

/// <summary>
/// The session file as an <see cref="IFlowArchive"/>: the View loads its cold flows from here. A flow is loaded
/// through the writer's connection, between batches; filters run on a read-only connection of their own, so a long
/// scan does not hold up the writer (WAL lets it read while the writer writes).
/// </summary>
internal sealed class SessionArchive(SessionWriter writer, string path) : IFlowArchive
{
    private readonly ArchiveMatcher _matcher = new(path, $"session file {path}");
    private volatile bool _open = true;

    public string Name => $"session file {path}";

    public bool IsOpen => _open;

    public Flow? Load(Guid id)
    {
        EnsureOpen($"flow {id} cannot be loaded from it");
        try
        {
            return writer.WithStore(store => store.ReadFlow(id));
        }
        catch (SessionStoreException e)
        {
            throw new FlowArchiveException($"Flow {id} cannot be loaded: {e.Message}", e);
        }
    }

    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default) =>
        _matcher.Match(filter, ids, cancellationToken);

    /// <summary>No more reads: the session is closing.</summary>
    public void Close()
    {
        _open = false;
        _matcher.Close();
    }

    private void EnsureOpen(string consequence)
    {
        if (!_open)
        {
            throw new FlowArchiveException($"The {Name} is closed, so {consequence}.");
        }
    }
}
