using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~q</c>: HTTP and DNS flows that have a request but no response (yet).</summary>
internal sealed class RequestWithoutResponseNode : FilterNode
{
    public override bool Matches(Flow flow) => flow is HttpFlow { Response: null } or DnsFlow { Response: null };

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => summary.Type is FlowType.Http or FlowType.Dns && summary.StatusCode is null;

    public override string Describe() => "request without response";
}
