using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~marked</c>: flows with a non-empty mark.</summary>
internal sealed class MarkedNode : FilterNode
{
    public override bool Matches(Flow flow) => !string.IsNullOrEmpty(flow.Marked);

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => summary.Marked.Length > 0;

    public override string Describe() => "is marked";
}
