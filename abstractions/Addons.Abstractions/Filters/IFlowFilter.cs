using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Filters;

/// <summary>
/// A compiled flow filter, made by <see cref="IFlowFilters.Parse"/> (the language is described there). Immutable and
/// safe to use from several threads at once; <see cref="object.ToString"/> gives a human description, such as
/// <c>method matches /get/i and status code is 404</c>.
/// </summary>
public interface IFlowFilter
{
    /// <summary>The source text the filter was parsed from (mitmproxy's <c>pattern</c>).</summary>
    string Pattern { get; }

    /// <summary>Whether <paramref name="flow"/> matches the filter. Does not allocate for the common header, URL and status operators.</summary>
    bool Matches(Flow flow);

    /// <summary>
    /// Whether a flow with this summary matches, when the summary decides it: <c>true</c> or <c>false</c>, always
    /// what <see cref="Matches"/> would say of the flow; <c>null</c> when the filter needs more of the flow than the
    /// summary holds (headers, bodies, addresses, metadata...). <c>~m</c>, <c>~u</c>, bare words, <c>~d</c>, <c>~c</c>,
    /// <c>~q</c>, <c>~s</c>, <c>~e</c>, <c>~marked</c>, <c>~marker</c>, the flow types and <c>~all</c> are decided, and so
    /// is any combination whose undecided parts cannot change the result (<c>~c 404 | ~h x</c> on a 404).
    /// </summary>
    bool? MatchesSummary(FlowSummary summary);
}
