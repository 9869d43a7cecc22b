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
        var chunked = chunkedOut && framing.Kind == BodyKind.Chunked;
        var reader = stream.Body!.Reader;
        var settings = connection.Handler.Settings;
        var copy = GrpcBodies.CopyIfGrpc(flow.Request.Headers);
        using var deadline = new ReadDeadline(settings.ClientTimeout, stop);
        while (true)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var size = (int)result.Buffer.Length;
            if (size > 0)
            {
                if (chunked)
                {
                    await server.WriteAsync(Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), stop).ConfigureAwait(false);
                }

                foreach (var segment in result.Buffer)
                {
                    await server.WriteAsync(segment, stop).ConfigureAwait(false);
                }

                if (chunked)
                {
                    await server.WriteAsync("\r\n"u8.ToArray(), stop).ConfigureAwait(false);
                }
            }

            copy?.Add(result.Buffer);
            reader.AdvanceTo(result.Buffer.End);
            if (size > 0)
            {
                await connection.ConsumedAsync(stream, size).ConfigureAwait(false);
            }

            if (result.IsCompleted)
            {
                break;
            }
        }

        flow.Request.Trailers = stream.Trailers is { } trailers ? new HttpHeaders(trailers) : null;
        flow.Request.Content = copy?.ToArray();
        if (chunked)
        {
            var end = new StringBuilder("0\r\n");
            foreach (var (name, value) in stream.Trailers ?? [])
            {
                end.Append(name).Append(": ").Append(value).Append("\r\n");
            }

            await server.WriteAsync(Encoding.Latin1.GetBytes(end.Append("\r\n").ToString()), stop).ConfigureAwait(false);
        }

        await server.FlushAsync(stop).ConfigureAwait(false);
    }

    public async ValueTask<StreamedResponse> StartStreamedResponseAsync(HttpFlow flow, BodyFraming framing, CancellationToken stop)
    {
        stream.ResponseStarted = true;
        await connection.SendHeadersAsync(stream, Http2Headers.ResponseFields(flow.Response!, null), endStream: false, stop).ConfigureAwait(false);
        return new StreamedResponse(new Http2DataStream((data, cancel) => connection.SendDataAsync(stream, data, endStream: false, cancel), stop), ChunkedOut: false, MustClose: false);
    }
}
