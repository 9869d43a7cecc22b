using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Filters;

/// <summary>One node of a parsed filter: an operator, or a combination of nodes. Nodes are immutable.</summary>
internal abstract class FilterNode
{
    /// <summary>Whether <paramref name="flow"/> matches this node.</summary>
    public abstract bool Matches(Flow flow);

    /// <summary>A human description of this node, such as <c>status code is 404</c>.</summary>
    public abstract string Describe();
}
