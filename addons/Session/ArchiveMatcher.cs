using Addons.Abstractions.Filters;
using Addons.Abstractions.Storage;
using Addons.Session.Storage;

namespace Addons.Session;

/// <summary>
/// Filters the flows of a session file on a read-only connection of its own, opened at the first filter: a long scan
/// holds up neither the session's writer nor the loads of single flows (WAL lets it read while the writer writes).
/// </summary>
/// <param name="path">The session file.</param>
/// <param name="name">The archive's name, for messages.</param>
internal sealed class ArchiveMatcher(string path, string name)
{
    private readonly Lock _gate = new();
    private SessionStore? _store;
    private bool _closed;

    /// <exception cref="FlowArchiveException">The archive is closed or the file cannot be read; the message names it.</exception>
    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(ids);
        lock (_gate)
        {
            if (_closed)
            {
                throw new FlowArchiveException($"The {name} is closed, so flows cannot be filtered with '{filter.Pattern}'.");
            }

            try
            {
                _store ??= SessionStore.Open(path, readOnly: true);
                return _store.Match(filter, ids, cancellationToken);
            }
            catch (SessionStoreException e)
            {
                throw new FlowArchiveException($"Flows of {name} cannot be filtered with '{filter.Pattern}': {e.Message}", e);
            }
        }
    }

    /// <summary>No more filters: the archive is closing.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            _store?.Dispose();
            _store = null;
        }
    }
}
