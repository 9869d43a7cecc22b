using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Filters;

/// <summary><c>x | y</c>: flows that match either operand (the right one is not evaluated when the left matches).</summary>
internal sealed class OrNode(FilterNode left, FilterNode right) : FilterNode
{
    public FilterNode Left { get; } = left;

    public FilterNode Right { get; } = right;

    public override bool Matches(Flow flow) => Left.Matches(flow) || Right.Matches(flow);

    public override string Describe() => DescribeOperand(Left) + " or " + DescribeOperand(Right);

    private static string DescribeOperand(FilterNode operand) =>
        operand is AndNode ? "(" + operand.Describe() + ")" : operand.Describe();
}
