using System.Buffers;
using System.Globalization;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http1;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The body a peer sends on a stream, read from the stream's pipe as its DATA frames arrive, whichever side of the
/// proxy it comes from: buffered whole, or copied on as it comes (in HTTP/1 chunked framing for an HTTP/1.1 peer).
/// Every byte read is handed to <c>consumed</c>, which gives the flow-control credit back.
/// </summary>
internal static class Http2StreamBody
{
    /// <summary>The whole body; null when it grew past <paramref name="maxBytes"/> (what was read is dropped).</summary>
    public static async Task<byte[]?> ReadAllAsync(Http2Stream stream, Func<int, ValueTask> consumed, long maxBytes, ReadDeadline deadline)
    {
        var body = new ArrayBufferWriter<byte>();
        var reader = stream.Body!.Reader;
        while (true)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var size = (int)result.Buffer.Length;
            if (body.WrittenCount + (long)size > maxBytes)
            {
                reader.AdvanceTo(result.Buffer.End);
                return null;
            }

            foreach (var segment in result.Buffer)
            {
                body.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (size > 0)
            {
                await consumed(size).ConfigureAwait(false);
            }

            if (result.IsCompleted)
            {
                return body.WrittenSpan.ToArray();
            }
        }
    }

    /// <summary>
    /// Copies the body to <paramref name="target"/> as it arrives, each piece also to <paramref name="copy"/> when
    /// given; with <paramref name="chunked"/>, in chunks ended by the last chunk and the stream's trailers.
    /// </summary>
    public static async Task CopyAsync(Http2Stream stream, Func<int, ValueTask> consumed, Stream target, bool chunked, GrpcBodies.Copy? copy, ReadDeadline deadline, CancellationToken stop)
    {
        var reader = stream.Body!.Reader;
        while (true)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var size = (int)result.Buffer.Length;
            if (size > 0 && chunked)
            {
                await target.WriteAsync(Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), stop).ConfigureAwait(false);
            }

            foreach (var segment in result.Buffer)
            {
                await target.WriteAsync(segment, stop).ConfigureAwait(false);
            }

            if (size > 0 && chunked)
            {
                await target.WriteAsync("\r\n"u8.ToArray(), stop).ConfigureAwait(false);
            }

            copy?.Add(result.Buffer);
            reader.AdvanceTo(result.Buffer.End);
            if (size > 0)
            {
                await consumed(size).ConfigureAwait(false);
            }

            if (result.IsCompleted)
            {
                break;
            }
        }

        if (chunked)
        {
            var end = new ArrayBufferWriter<byte>(64);
            Http1Writer.WriteBody(end, [], OutgoingFraming.Chunked, stream.Trailers is { } trailers ? new HttpHeaders(trailers) : null);
            await target.WriteAsync(end.WrittenMemory, stop).ConfigureAwait(false);
        }

        await target.FlushAsync(stop).ConfigureAwait(false);
    }
}
