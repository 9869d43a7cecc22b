using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;
using Addons.Session.Storage;

namespace Addons.Session;

/// <summary>
/// Another session file opened read-only beside the running session (<c>session.open</c>): the View loads its flows
/// from here as cold flows and never writes to it. Loads and filters each have a read-only connection of their own,
/// so that opening one flow does not wait for a long filter scan.
/// </summary>
internal sealed class ReadOnlySessionArchive : IFlowArchive, IDisposable
{
    private readonly Lock _loadGate = new();
    private readonly SessionStore _loads;
    private readonly ArchiveMatcher _matcher;
    private volatile bool _open = true;

    private ReadOnlySessionArchive(SessionStore loads)
    {
        _loads = loads;
        _matcher = new ArchiveMatcher(loads.Path, Name);
    }

    public string Name => $"session file {_loads.Path} (opened read-only)";

    public bool IsOpen => _open;

    /// <summary>Opens a session file for reading only.</summary>
    /// <exception cref="SessionStoreException">It is missing, not a session, of a newer schema, or unreadable.</exception>
    public static ReadOnlySessionArchive Open(string path) => new(SessionStore.Open(path, readOnly: true));

    /// <summary>Every flow's summary in insertion order, and the per-flow settings, as a restore publishes them.</summary>
    public (List<FlowSummary> Summaries, Dictionary<Guid, IReadOnlyDictionary<string, string>> Settings) ReadIndex()
    {
        lock (_loadGate)
        {
            var summaries = _loads.ReadSummaries().ToList();
            var settings = _loads.ReadSettingsByFlow();
            return (summaries, settings);
        }
    }

    public Flow? Load(Guid id)
    {
        lock (_loadGate)
        {
            EnsureOpen($"flow {id} cannot be loaded from it");
            try
            {
                return _loads.ReadFlow(id);
            }
            catch (SessionStoreException e)
            {
                throw new FlowArchiveException($"Flow {id} cannot be loaded from {Name}: {e.Message}", e);
            }
        }
    }

    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default) =>
        _matcher.Match(filter, ids, cancellationToken);

    public void Dispose()
    {
        _open = false;
        _matcher.Close();

        lock (_loadGate)
        {
            _loads.Dispose();
        }
    }

    private void EnsureOpen(string consequence)
    {
        if (!_open)
        {
            throw new FlowArchiveException($"The {Name} is closed, so {consequence}.");
        }
    }
}
