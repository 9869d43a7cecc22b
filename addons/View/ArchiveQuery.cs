using Addons.Abstractions.Filters;
using Addons.Abstractions.Storage;

namespace Addons.View;

/// <summary>
/// Cold flows a filter change could not decide from their summaries: each archive is asked outside the view's lock
/// (it may read and decode many flows), and the answers go back with <see cref="FlowView.Complete"/>, which drops them
/// if the filter changed again meanwhile.
/// </summary>
/// <param name="Parts">The undecided flows, by the archive that holds them.</param>
/// <param name="Filter">The filter to match them with.</param>
/// <param name="Generation">The view's filter generation the query belongs to.</param>
internal sealed record ArchiveQuery(IReadOnlyList<ArchivePart> Parts, IFlowFilter Filter, int Generation)
{
    /// <summary>Every undecided flow.</summary>
    public IEnumerable<Guid> Ids => Parts.SelectMany(p => p.Ids);
}

/// <summary>The undecided flows one archive holds.</summary>
internal sealed record ArchivePart(IFlowArchive Archive, IReadOnlyCollection<Guid> Ids);
