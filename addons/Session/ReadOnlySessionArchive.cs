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
    private readonly Lock _matchGate = new();
    private readonly SessionStore _loads;
    private SessionStore? _matches;
    private volatile bool _open = true;

    private ReadOnlySessionArchive(SessionStore loads) => _loads = loads;

    public string Path => _loads.Path;

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
            var settings = new Dictionary<Guid, IReadOnlyDictionary<string, string>>();
            foreach (var setting in _loads.ReadSettings())
            {
                if (!settings.TryGetValue(setting.FlowId, out var values))
                {
                    settings[setting.FlowId] = values = new Dictionary<string, string>(StringComparer.Ordinal);
                }

                ((Dictionary<string, string>)values)[setting.Key] = setting.Value;
            }

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

    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(ids);
        lock (_matchGate)
        {
            EnsureOpen($"flows cannot be filtered with '{filter.Pattern}'");
            try
            {
                _matches ??= SessionStore.Open(_loads.Path, readOnly: true);
                return _matches.Match(filter, ids, cancellationToken);
            }
            catch (SessionStoreException e)
            {
                throw new FlowArchiveException($"Flows of {Name} cannot be filtered with '{filter.Pattern}': {e.Message}", e);
            }
        }
    }

    public void Dispose()
    {
        _open = false;
        lock (_matchGate)
        {
            _matches?.Dispose();
            _matches = null;
        }

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
