using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~marker REGEX</c>: flows whose mark matches.</summary>
internal sealed class MarkerNode(FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow) => regex.IsMatch(flow.Marked);

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => regex.IsMatch(summary.Marked);

    public override string Describe() => "marker matches " + regex.Description;
}
