namespace Addons.Session.Storage;

/// <summary>A stored flow whose columns left a filter open: its record and bodies, to decode and match whole.</summary>
/// <param name="Id">The flow's id.</param>
/// <param name="Sequence">Its row key, for messages.</param>
/// <param name="Record">The protobuf record.</param>
/// <param name="RequestBody">The request body stored apart, or null.</param>
/// <param name="ResponseBody">The response body stored apart, or null.</param>
internal sealed record Candidate(Guid Id, long Sequence, byte[] Record, byte[]? RequestBody, byte[]? ResponseBody);
