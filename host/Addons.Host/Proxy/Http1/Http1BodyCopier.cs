using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace Addons.Host.Proxy.Http1;

/// <summary>
/// Streams a body from one connection to another without storing it: a Content-Length body byte for byte, a chunked
/// body chunk by chunk (re-framed as chunked, or unframed for a close-delimited receiver), a close-delimited body until
/// the end. Returns how many body bytes passed.
/// </summary>
internal static class Http1BodyCopier
{
    public static async Task<long> CopyAsync(PipeReader from, BodyFraming framing, Stream to, bool chunkedOut, HttpLimits limits, int errorStatus, ReadDeadline deadline)
    {
        switch (framing.Kind)
        {
            case BodyKind.None:
                return 0;
            case BodyKind.ContentLength:
                await CopyExactlyAsync(from, framing.Length, to, null, deadline).ConfigureAwait(false);
                return framing.Length;
            case BodyKind.Chunked:
                return await CopyChunkedAsync(from, to, chunkedOut, limits, errorStatus, deadline).ConfigureAwait(false);
            default:
                return await CopyToEndAsync(from, to, deadline).ConfigureAwait(false);
        }
    }

    private static async Task CopyExactlyAsync(PipeReader from, long length, Stream to, byte[]? chunkHeader, ReadDeadline deadline)
    {
        if (chunkHeader is not null)
        {
            await to.WriteAsync(chunkHeader, deadline.Outer).ConfigureAwait(false);
        }

        var remaining = length;
        while (remaining > 0)
        {
            var result = await from.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var take = result.Buffer.Slice(0, Math.Min(result.Buffer.Length, remaining));
            foreach (var segment in take)
            {
                await to.WriteAsync(segment, deadline.Outer).ConfigureAwait(false);
            }

            remaining -= take.Length;
            from.AdvanceTo(take.End);
            if (remaining > 0 && result.IsCompleted)
            {
                throw new IOException($"The connection closed with {remaining} of {length} body bytes still to come.");
            }
        }
    }

    private static async Task<long> CopyToEndAsync(PipeReader from, Stream to, ReadDeadline deadline)
    {
        long total = 0;
        while (true)
        {
            var result = await from.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            foreach (var segment in result.Buffer)
            {
                await to.WriteAsync(segment, deadline.Outer).ConfigureAwait(false);
                total += segment.Length;
            }

            from.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return total;
            }
        }
    }

    private static async Task<long> CopyChunkedAsync(PipeReader from, Stream to, bool chunkedOut, HttpLimits limits, int errorStatus, ReadDeadline deadline)
    {
        long total = 0;
        while (true)
        {
            var size = await Http1BodyReader.ReadChunkSizeAsync(from, limits, errorStatus, deadline).ConfigureAwait(false);
            if (size == 0)
            {
                var (_, trailerBytes) = await Http1BodyReader.ReadTrailersAsync(from, limits, errorStatus, deadline).ConfigureAwait(false);
                if (chunkedOut)
                {
                    await to.WriteAsync(Encoding.ASCII.GetBytes("0\r\n"), deadline.Outer).ConfigureAwait(false);
                    await to.WriteAsync(trailerBytes, deadline.Outer).ConfigureAwait(false);
                }

                return total;
            }

            var header = chunkedOut ? Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n") : null;
            await CopyExactlyAsync(from, size, to, header, deadline).ConfigureAwait(false);
            await Http1BodyReader.ExpectLineEndAsync(from, errorStatus, deadline).ConfigureAwait(false);
            if (chunkedOut)
            {
                await to.WriteAsync("\r\n"u8.ToArray(), deadline.Outer).ConfigureAwait(false);
            }

            total += size;
        }
    }
}
