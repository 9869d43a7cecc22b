using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~http</c>, <c>~tcp</c>, <c>~udp</c>, <c>~dns</c>: flows of one type.</summary>
internal sealed class FlowTypeNode(FlowType type) : FilterNode
{
    public FlowType Type { get; } = type;

    public override bool Matches(Flow flow) => flow.Type == Type;

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => summary.Type == Type;

    public override string Describe() => Type switch
    {
        FlowType.Http => "is an HTTP flow",
        FlowType.Tcp => "is a TCP flow",
        FlowType.Udp => "is a UDP flow",
        FlowType.Dns => "is a DNS flow",
        _ => "is a " + Type + " flow",
    };
}
