using Addons.Abstractions.Filters;
using Addons.Abstractions.Storage;

namespace Addons.View;

/// <summary>
/// Cold flows a filter change could not decide from their summaries: the archive is asked outside the view's lock
/// (it may read and decode many flows), and the answer goes back with <see cref="FlowView.Complete"/>, which drops it
/// if the filter changed again meanwhile.
/// </summary>
/// <param name="Archive">Where the flows are.</param>
/// <param name="Filter">The filter to match them with.</param>
/// <param name="Ids">The undecided flows.</param>
/// <param name="Generation">The view's filter generation the query belongs to.</param>
internal sealed record ArchiveQuery(IFlowArchive Archive, IFlowFilter Filter, IReadOnlyCollection<Guid> Ids, int Generation);
