namespace Addons.Abstractions.Flows;

/// <summary>
/// What a flow that left memory (a cold flow, kept in a <see cref="Storage.IFlowArchive"/>) still shows without being
/// loaded: its id, the View's order keys and the fields the cheap filter operators read. The View keeps one per cold
/// flow; <see cref="Filters.IFlowFilter.MatchesSummary"/> decides most filters from it.
/// </summary>
/// <remarks>
/// <para>
/// Two summaries of the same flow state are equal (record equality), so a holder can tell whether a summary still
/// describes a flow it holds: <c>FlowSummary.Of(flow) == summary</c>.
/// </para>
/// <para>
/// It grows by properties that are not required, so a storage addon that builds summaries itself (from its own
/// columns) keeps compiling and running when one is added: make one with <see cref="Of"/>, or with an object
/// initializer that sets every required property.
/// </para>
/// </remarks>
public sealed record FlowSummary
{
    /// <summary>The flow's id.</summary>
    public required Guid Id { get; init; }

    /// <summary>The kind of flow.</summary>
    public required FlowType Type { get; init; }

    /// <summary>When the flow was created (the time order).</summary>
    public required DateTimeOffset TimestampCreated { get; init; }

    /// <summary>The request method as sent (HTTP flows), the query's operation (DNS flows, <c>QUERY</c>), else the protocol (<c>TCP</c>, <c>UDP</c>).</summary>
    public required string Method { get; init; }

    /// <summary>The request URL, as <see cref="HttpRequest.Url"/> (HTTP flows), the first question's name (DNS flows), else the server's address (the url order).</summary>
    public required string Url { get; init; }

    /// <summary>The URL as the client saw it, host and port from the Host header (what <c>~u</c> matches); the same text as <see cref="Url"/> when they agree.</summary>
    public required string PrettyUrl { get; init; }

    /// <summary>The request host (HTTP flows), else empty.</summary>
    public required string Host { get; init; }

    /// <summary>The host named by the request's Host header, or <c>null</c> when it has none (<c>~d</c> matches either host).</summary>
    public required string? PrettyHost { get; init; }

    /// <summary>The response status code (for a DNS flow the response code), or <c>null</c> without a response.</summary>
    public required int? StatusCode { get; init; }

    /// <summary>Whether the flow has an error.</summary>
    public required bool HasError { get; init; }

    /// <summary>The request body's length plus the response body's; a TCP or UDP flow's messages; a DNS answer's record data (the size order).</summary>
    public required long Size { get; init; }

    /// <summary>The marker, empty when the flow is not marked.</summary>
    public required string Marked { get; init; }

    /// <summary>The summary of <paramref name="flow"/> as it is now.</summary>
    public static FlowSummary Of(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow is DnsFlow dns)
        {
            // mitmproxy's View orders a DNS flow by its operation, its first question's name and its answer's record data.
            var name = dns.Request.Questions.Count > 0 ? dns.Request.Questions[0].Name : "";
            return new FlowSummary
            {
                Id = flow.Id,
                Type = flow.Type,
                TimestampCreated = flow.TimestampCreated,
                Method = dns.Request.OpCodeName,
                Url = name,
                PrettyUrl = name,
                Host = "",
                PrettyHost = null,
                StatusCode = dns.Response?.ResponseCode,
                HasError = flow.Error is not null,
                Size = dns.Response?.RecordDataLength ?? 0,
                Marked = flow.Marked,
            };
        }

        if (flow is not HttpFlow http)
        {
            var address = flow.Server.Address?.ToString() ?? "";
            return new FlowSummary
            {
                Id = flow.Id,
                Type = flow.Type,
                TimestampCreated = flow.TimestampCreated,
                Method = flow.Type.ToString().ToUpperInvariant(),
                Url = address,
                PrettyUrl = address,
                Host = "",
                PrettyHost = null,
                StatusCode = null,
                HasError = flow.Error is not null,
                Size = flow is StreamFlow stream ? stream.Messages.Sum(m => (long)m.Content.Length) : 0,
                Marked = flow.Marked,
            };
        }

        var request = http.Request;
        var url = request.Url;
        string? prettyHost = null;
        if (ClientUrl.TryGetAuthority(request, out var authority))
        {
            ClientUrl.SplitAuthority(authority, out var host, out _);
            prettyHost = host.SequenceEqual(request.Host) ? request.Host : host.ToString();
        }

        return new FlowSummary
        {
            Id = flow.Id,
            Type = flow.Type,
            TimestampCreated = flow.TimestampCreated,
            Method = request.Method,
            Url = url,
            PrettyUrl = ClientUrl.PrettyUnlessSame(request, url) ?? url,
            Host = request.Host,
            PrettyHost = prettyHost,
            StatusCode = http.Response?.StatusCode,
            HasError = flow.Error is not null,
            Size = (request.Content?.Length ?? 0) + (long)(http.Response?.Content?.Length ?? 0),
            Marked = flow.Marked,
        };
    }
}
