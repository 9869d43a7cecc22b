using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~d REGEX</c>: HTTP flows whose request host, or the host the Host header names, matches.</summary>
internal sealed class DomainNode(FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow)
    {
        if (flow is not HttpFlow http)
        {
            return false;
        }

        var request = http.Request;
        if (regex.IsMatch(request.Host))
        {
            return true;
        }

        if (!FlowText.TryGetClientAuthority(request, out var authority))
        {
            return false;
        }

        FlowText.SplitAuthority(authority, out var prettyHost, out _);
        return regex.IsMatch(prettyHost);
    }

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) =>
        summary.Type == FlowType.Http && (regex.IsMatch(summary.Host) || (summary.PrettyHost is { } prettyHost && regex.IsMatch(prettyHost)));

    public override string Describe() => "domain matches " + regex.Description;
}
