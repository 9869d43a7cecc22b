using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>x | y</c>: flows that match either operand (the right one is not evaluated when the left matches).</summary>
internal sealed class OrNode(FilterNode left, FilterNode right) : FilterNode
{
    public FilterNode Left { get; } = left;

    public FilterNode Right { get; } = right;

    public override bool Matches(Flow flow) => Left.Matches(flow) || Right.Matches(flow);

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary)
    {
        // Kleene logic: one true side decides, whatever the other.
        var left = Left.Matches(summary);
        if (left == true)
        {
            return true;
        }

        var right = Right.Matches(summary);
        return right == true ? true : left == false && right == false ? false : null;
    }

    public override string Describe() => DescribeOperand(Left) + " or " + DescribeOperand(Right);

    private static string DescribeOperand(FilterNode operand) =>
        operand is AndNode ? "(" + operand.Describe() + ")" : operand.Describe();
}
