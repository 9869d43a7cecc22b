namespace Addons.Abstractions.Flows;

/// <summary>
/// What a flow that left memory (a cold flow, kept in a <see cref="Storage.IFlowArchive"/>) still shows without being
/// loaded: its id, the View's order keys and the fields the cheap filter operators read. The View keeps one per cold
/// flow; <see cref="Filters.IFlowFilter.MatchesSummary"/> decides most filters from it.
/// </summary>
/// <remarks>
/// Two summaries of the same flow state are equal (record equality), so a holder can tell whether a summary still
/// describes a flow it holds: <c>FlowSummary.Of(flow) == summary</c>.
/// </remarks>
/// <param name="Id">The flow's id.</param>
/// <param name="Type">The kind of flow.</param>
/// <param name="TimestampCreated">When the flow was created (the time order).</param>
/// <param name="Method">The request method as sent (HTTP flows), the query's operation (DNS flows, <c>QUERY</c>), else the protocol (<c>TCP</c>, <c>UDP</c>).</param>
/// <param name="Url">The request URL, as <see cref="HttpRequest.Url"/> (HTTP flows), the first question's name (DNS flows), else the server's address (the url order).</param>
/// <param name="PrettyUrl">The URL as the client saw it, host and port from the Host header (what <c>~u</c> matches); the same text as <paramref name="Url"/> when they agree.</param>
/// <param name="Host">The request host (HTTP flows), else empty.</param>
/// <param name="PrettyHost">The host named by the request's Host header, or <c>null</c> when it has none (<c>~d</c> matches either host).</param>
/// <param name="StatusCode">The response status code (for a DNS flow the response code), or <c>null</c> without a response.</param>
/// <param name="HasError">Whether the flow has an error.</param>
/// <param name="Size">The request body's length plus the response body's; a TCP or UDP flow's messages; a DNS answer's record data (the size order).</param>
/// <param name="Marked">The marker, empty when the flow is not marked.</param>
public sealed record FlowSummary(
    Guid Id,
    FlowType Type,
    DateTimeOffset TimestampCreated,
    string Method,
    string Url,
    string PrettyUrl,
    string Host,
    string? PrettyHost,
    int? StatusCode,
    bool HasError,
    long Size,
    string Marked)
{
    /// <summary>The summary of <paramref name="flow"/> as it is now.</summary>
    public static FlowSummary Of(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow is DnsFlow dns)
        {
            // mitmproxy's View orders a DNS flow by its operation, its first question's name and its answer's record data.
            var name = dns.Request.Questions.Count > 0 ? dns.Request.Questions[0].Name : "";
            return new FlowSummary(flow.Id, flow.Type, flow.TimestampCreated, dns.Request.OpCodeName, name, name, "", null, dns.Response?.ResponseCode, flow.Error is not null, dns.Response?.RecordDataLength ?? 0, flow.Marked);
        }

        if (flow is not HttpFlow http)
        {
            var address = flow.Server.Address?.ToString() ?? "";
            var messages = flow is StreamFlow stream ? stream.Messages.Sum(m => (long)m.Content.Length) : 0;
            return new FlowSummary(flow.Id, flow.Type, flow.TimestampCreated, flow.Type.ToString().ToUpperInvariant(), address, address, "", null, null, flow.Error is not null, messages, flow.Marked);
        }

        var request = http.Request;
        var url = request.Url;
        var prettyUrl = ClientUrl.PrettyUnlessSame(request, url);
        string? prettyHost = null;
        if (ClientUrl.TryGetAuthority(request, out var authority))
        {
            ClientUrl.SplitAuthority(authority, out var host, out _);
            prettyHost = host.SequenceEqual(request.Host) ? request.Host : host.ToString();
        }

        return new FlowSummary(
            flow.Id,
            flow.Type,
            flow.TimestampCreated,
            request.Method,
            url,
            prettyUrl ?? url,
            request.Host,
            prettyHost,
            http.Response?.StatusCode,
            flow.Error is not null,
            (request.Content?.Length ?? 0) + (long)(http.Response?.Content?.Length ?? 0),
            flow.Marked);
    }
}
