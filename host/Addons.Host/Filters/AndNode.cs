using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>x &amp; y</c> and juxtaposed <c>x y</c>: flows that match both operands (the right one is not evaluated when the left fails).</summary>
internal sealed class AndNode(FilterNode left, FilterNode right) : FilterNode
{
    public FilterNode Left { get; } = left;

    public FilterNode Right { get; } = right;

    public override bool Matches(Flow flow) => Left.Matches(flow) && Right.Matches(flow);

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary)
    {
        // Kleene logic: one false side decides, whatever the other.
        var left = Left.Matches(summary);
        if (left == false)
        {
            return false;
        }

        var right = Right.Matches(summary);
        return right == false ? false : left == true && right == true ? true : null;
    }

    public override string Describe() => DescribeOperand(Left) + " and " + DescribeOperand(Right);

    private static string DescribeOperand(FilterNode operand) =>
        operand is OrNode ? "(" + operand.Describe() + ")" : operand.Describe();
}
