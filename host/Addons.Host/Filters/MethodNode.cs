using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~m REGEX</c>: HTTP flows whose request method matches.</summary>
internal sealed class MethodNode(FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow) => flow is HttpFlow http && regex.IsMatch(http.Request.Method);

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => summary.Type == FlowType.Http && regex.IsMatch(summary.Method);

    public override string Describe() => "method matches " + regex.Description;
}
