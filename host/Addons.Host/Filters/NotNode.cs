using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>!x</c>: flows that do not match the operand.</summary>
internal sealed class NotNode(FilterNode operand) : FilterNode
{
    public FilterNode Operand { get; } = operand;

    public override bool Matches(Flow flow) => !Operand.Matches(flow);

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => !Operand.Matches(summary);

    public override string Describe() =>
        Operand is AndNode or OrNode ? "not (" + Operand.Describe() + ")" : "not " + Operand.Describe();
}
