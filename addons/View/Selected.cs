using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;

namespace Addons.View;

/// <summary>
/// A flow picked by a selector: the flow itself when it is in memory; when it is cold, only its id, so that it is
/// loaded from its <paramref name="Archive"/> outside the view's lock. <paramref name="Undecided"/>: a cold flow the
/// selector's filter could not decide from its summary, to be matched by the archive first.
/// </summary>
internal readonly record struct Selected(Flow? Flow, Guid Id, IFlowArchive? Archive = null, bool Undecided = false);
