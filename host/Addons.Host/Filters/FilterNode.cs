using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary>One node of a parsed filter: an operator, or a combination of nodes. Nodes are immutable.</summary>
internal abstract class FilterNode
{
    /// <summary>Whether <paramref name="flow"/> matches this node.</summary>
    public abstract bool Matches(Flow flow);

    /// <summary>
    /// Whether a flow with this summary matches, when the summary's fields decide it; <c>null</c> when the node needs
    /// more of the flow (headers, bodies, addresses...). Never decides differently from <see cref="Matches(Flow)"/> on the flow.
    /// </summary>
    public virtual bool? Matches(FlowSummary summary) => null;

    /// <summary>A human description of this node, such as <c>status code is 404</c>.</summary>
    public abstract string Describe();
}
