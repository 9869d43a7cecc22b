using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~s</c>: HTTP and DNS flows with a response.</summary>
internal sealed class HasResponseNode : FilterNode
{
    public override bool Matches(Flow flow) => flow is HttpFlow { Response: not null } or DnsFlow { Response: not null };

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => summary.Type is FlowType.Http or FlowType.Dns && summary.StatusCode is not null;

    public override string Describe() => "has response";
}
