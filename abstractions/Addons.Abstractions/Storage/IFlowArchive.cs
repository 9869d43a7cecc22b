using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Storage;

/// <summary>
/// Flows kept outside memory by a storage addon (the Session's SQLite file), which other addons load on demand. An
/// archive comes with <see cref="FlowsArchived"/>: the flows it names may be dropped from memory and kept as their
/// <see cref="FlowSummary"/>. Safe to call from any thread; calls may block on disk.
/// </summary>
public interface IFlowArchive
{
    /// <summary>Where the flows are, for messages (the session file's path).</summary>
    string Name { get; }

    /// <summary>Whether the archive can still be read; false once its addon has closed it.</summary>
    bool IsOpen { get; }

    /// <summary>
    /// Loads one flow with its bodies, as it was last stored: a new object at each call, or <c>null</c> when the archive
    /// holds no flow with this id.
    /// </summary>
    /// <exception cref="FlowArchiveException">The archive cannot be read (closed, damaged, gone); the message names it and the flow.</exception>
    Flow? Load(Guid id);

    /// <summary>
    /// Which of the flows <paramref name="ids"/> match <paramref name="filter"/>, evaluated on the stored flows: the
    /// archive answers what its indexed columns decide without loading the flows, and loads the others one at a time.
    /// Ids it does not hold are not in the result.
    /// </summary>
    /// <exception cref="FlowArchiveException">The archive cannot be read; the message names it.</exception>
    IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default);
}
