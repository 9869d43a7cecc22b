using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~e</c>: flows that ended with an error.</summary>
internal sealed class HasErrorNode : FilterNode
{
    public override bool Matches(Flow flow) => flow.Error is not null;

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => summary.HasError;

    public override string Describe() => "has error";
}
