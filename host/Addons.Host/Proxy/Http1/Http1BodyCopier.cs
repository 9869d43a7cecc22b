using System.Buffers;
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
            var size = await ReadChunkSizeAsync(from, limits, errorStatus, deadline).ConfigureAwait(false);
            if (size == 0)
            {
                var trailerBytes = await ReadRawTrailersAsync(from, limits, errorStatus, deadline).ConfigureAwait(false);
                if (chunkedOut)
                {
                    await to.WriteAsync(Encoding.ASCII.GetBytes("0\r\n"), deadline.Outer).ConfigureAwait(false);
                    await to.WriteAsync(trailerBytes, deadline.Outer).ConfigureAwait(false);
                }

                return total;
            }

            var header = chunkedOut ? Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + "\r\n") : null;
            await CopyExactlyAsync(from, size, to, header, deadline).ConfigureAwait(false);
            await ExpectLineEndAsync(from, errorStatus, deadline).ConfigureAwait(false);
            if (chunkedOut)
            {
                await to.WriteAsync("\r\n"u8.ToArray(), deadline.Outer).ConfigureAwait(false);
            }

            total += size;
        }
    }

    private static async Task<long> ReadChunkSizeAsync(PipeReader from, HttpLimits limits, int errorStatus, ReadDeadline deadline)
    {
        while (true)
        {
            var result = await from.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var reader = new SequenceReader<byte>(result.Buffer);
            if (HttpHeadParser.TryReadLine(ref reader, limits.MaxChunkLine, errorStatus, "A chunk-size line is longer than {0} bytes.", out var line))
            {
                var end = line.IndexOfAny((byte)';', (byte)' ', (byte)'\t');
                var digits = end < 0 ? line : line[..end];
                if (digits.IsEmpty || digits.Length > 15 || !long.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size))
                {
                    throw new MalformedMessageException(errorStatus, $"\"{HttpHeadParser.Printable(line)}\" is not a valid chunk size.");
                }

                from.AdvanceTo(reader.Position);
                return size;
            }

            from.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("The connection closed before the next chunk size.");
            }
        }
    }

    private static async Task ExpectLineEndAsync(PipeReader from, int errorStatus, ReadDeadline deadline)
    {
        while (true)
        {
            var result = await from.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var reader = new SequenceReader<byte>(result.Buffer);
            if (HttpHeadParser.TryReadLine(ref reader, 1, errorStatus, "A chunk is longer than its size says.", out var line))
            {
                if (!line.IsEmpty)
                {
                    throw new MalformedMessageException(errorStatus, "A chunk is longer than its size says.");
                }

                from.AdvanceTo(reader.Position);
                return;
            }

            from.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("The connection closed after a chunk's data.");
            }
        }
    }

    /// <summary>The trailer section as received (validated), ending with the empty line.</summary>
    private static async Task<byte[]> ReadRawTrailersAsync(PipeReader from, HttpLimits limits, int errorStatus, ReadDeadline deadline)
    {
        while (true)
        {
            var result = await from.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (HttpHeadParser.TryParseTrailers(ref buffer, limits, errorStatus == 400 ? 431 : 502, out _))
            {
                var raw = result.Buffer.Slice(0, buffer.Start).ToArray();
                from.AdvanceTo(buffer.Start);
                return raw;
            }

            from.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("The connection closed before the end of the chunked body.");
            }
        }
    }
}
