using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~u REGEX</c> and bare words: HTTP flows whose URL, as the client saw it, matches; DNS flows whose first question's name does.</summary>
internal sealed class UrlNode(FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow)
    {
        if (flow is DnsFlow dns)
        {
            // A DNS flow by the name of its first question, as mitmproxy matches it.
            return dns.Request.Questions.Count > 0 && regex.IsMatch(dns.Request.Questions[0].Name);
        }

        if (flow is not HttpFlow http)
        {
            return false;
        }

        var url = new PooledTextBuilder(stackalloc char[256]);
        try
        {
            FlowText.AppendPrettyUrl(http.Request, ref url);
            return regex.IsMatch(url.Text);
        }
        finally
        {
            url.Dispose();
        }
    }

    /// <inheritdoc />
    public override bool? Matches(FlowSummary summary) => summary.Type is FlowType.Http or FlowType.Dns && regex.IsMatch(summary.PrettyUrl);

    public override string Describe() => "url matches " + regex.Description;
}
