using System.Globalization;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http1;
using Addons.Host.Proxy.Upstream;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// An HTTP/2 stream as an upstream HTTP/1 exchange sees it: interim responses become HEADERS frames, a streamed
/// request body comes from the stream's DATA, and a streamed response body goes out as DATA frames.
/// </summary>
internal sealed class Http2StreamDownstream(Http2ServerConnection connection, Http2Stream stream, HttpFlow flow) : IDownstream
{
    public async ValueTask SendInterimAsync(ResponseHead head, CancellationToken stop) =>
        await connection.SendHeadersAsync(stream, Http2Headers.InterimFields(head.StatusCode, head.Headers), endStream: false, stop).ConfigureAwait(false);

    public async Task CopyRequestBodyAsync(BodyFraming framing, Stream server, bool chunkedOut, CancellationToken stop)
    {
        using var deadline = new ReadDeadline(connection.Handler.Settings.ClientTimeout, stop);
        var copy = GrpcBodies.CopyIfGrpc(flow.Request.Headers);
        await Http2StreamBody.CopyAsync(stream, size => connection.ConsumedAsync(stream, size), server, chunkedOut && framing.Kind == BodyKind.Chunked, copy, deadline, stop).ConfigureAwait(false);
        flow.Request.Trailers = stream.Trailers is { } trailers ? new HttpHeaders(trailers) : null;
        flow.Request.Content = copy?.ToArray();
    }

    public async ValueTask<StreamedResponse> StartStreamedResponseAsync(HttpFlow flow, BodyFraming framing, CancellationToken stop)
    {
        stream.ResponseStarted = true;
        await connection.SendHeadersAsync(stream, Http2Headers.ResponseFields(flow.Response!, null), endStream: false, stop).ConfigureAwait(false);
        return new StreamedResponse(new Http2DataStream((data, cancel) => connection.SendDataAsync(stream, data, endStream: false, cancel), stop), ChunkedOut: false, MustClose: false);
    }
}
