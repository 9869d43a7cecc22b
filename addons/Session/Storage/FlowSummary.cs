namespace Addons.Session.Storage;

/// <summary>
/// A stored flow's order and filter columns, read without decoding its record: what the View keeps for a cold flow.
/// </summary>
/// <param name="Id">The flow's id.</param>
/// <param name="Sequence">Its position in insertion order (the row key); larger is later.</param>
/// <param name="TimestampCreated">When the flow was created (the View's time order).</param>
/// <param name="Method">The request method.</param>
/// <param name="Host">The host the request went to.</param>
/// <param name="Url">The request URL.</param>
/// <param name="StatusCode">The response status, or <c>null</c> without a response.</param>
/// <param name="RequestSize">The request body's length, or <c>null</c> when it was not stored (streamed).</param>
/// <param name="ResponseSize">The response body's length, or <c>null</c> without a response or a stored body.</param>
/// <param name="BodiesApart">Which bodies are in the body table (see <see cref="SessionStore.LoadBody"/>).</param>
internal readonly record struct FlowSummary(
    Guid Id,
    long Sequence,
    DateTimeOffset TimestampCreated,
    string Method,
    string Host,
    string Url,
    int? StatusCode,
    long? RequestSize,
    long? ResponseSize,
    BodiesApart BodiesApart);
