using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http1;

namespace Addons.Host.Proxy.Upstream;

/// <summary>
/// What an upstream exchange needs from the side that waits for the response: the proxy's client connection passes
/// interim responses on and streams bodies; a replay has no one to pass them to.
/// </summary>
internal interface IDownstream
{
    /// <summary>Passes on an interim response (1xx other than 100 Continue, which the proxy answers itself).</summary>
    ValueTask SendInterimAsync(ResponseHead head, CancellationToken stop);

    /// <summary>
    /// Copies a streamed request body, as it arrives, to the server: with <paramref name="chunkedOut"/> a body of
    /// unknown length keeps HTTP/1 chunked framing (for an HTTP/1.1 server), else the bytes alone go (HTTP/2 DATA).
    /// </summary>
    Task CopyRequestBodyAsync(BodyFraming framing, Stream server, bool chunkedOut, CancellationToken stop);

    /// <summary>Sends a streamed response's head; where its body goes, in which framing, and whether the downstream closes after it.</summary>
    ValueTask<StreamedResponse> StartStreamedResponseAsync(HttpFlow flow, BodyFraming framing, CancellationToken stop);
}

/// <summary>Where a streamed response's body goes, whether it is sent chunked, and whether the connection closes after it.</summary>
internal readonly record struct StreamedResponse(Stream Body, bool ChunkedOut, bool MustClose);

/// <summary>
/// How a request goes upstream: its framing as received, whether it asks for an upgrade, whether its body streams, and
/// the Host value to send instead of its own (null: its Host fields as they are).
/// </summary>
internal readonly record struct Http1Forward(BodyFraming RequestFraming, bool Upgrade, bool StreamRequest, string? HostHeader);
