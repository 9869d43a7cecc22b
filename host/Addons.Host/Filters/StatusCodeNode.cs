using System.Globalization;
using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~c INT</c>: HTTP flows with a response of this status code.</summary>
internal sealed class StatusCodeNode(int statusCode) : FilterNode
{
    public override bool Matches(Flow flow) => flow is HttpFlow { Response: { } response } && response.StatusCode == statusCode;

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => summary.Type == FlowType.Http && summary.StatusCode == statusCode;

    public override string Describe() => "status code is " + statusCode.ToString(CultureInfo.InvariantCulture);
}
