using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~all</c>: every flow.</summary>
internal sealed class AllNode : FilterNode
{
    private AllNode()
    {
    }

    /// <summary>The one instance.</summary>
    public static AllNode Instance { get; } = new();

    public override bool Matches(Flow flow) => true;

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => true;

    public override string Describe() => "every flow";
}
