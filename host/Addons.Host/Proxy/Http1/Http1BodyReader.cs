using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http1;

/// <summary>Reads whole bodies (Content-Length, chunked with trailers, or until close) from a connection into memory.</summary>
internal static class Http1BodyReader
{
    /// <param name="errorStatus">400 for bodies from the client, 502 for bodies from the server.</param>
    public static async ValueTask<(byte[] Body, HttpHeaders? Trailers)> ReadAsync(
        PipeReader reader, BodyFraming framing, HttpLimits limits, int errorStatus, ReadDeadline deadline)
    {
        switch (framing.Kind)
        {
            case BodyKind.None:
                return ([], null);
            case BodyKind.ContentLength:
                if (framing.Length > limits.MaxBufferedBody)
                {
                    throw new MalformedMessageException(errorStatus == 400 ? 413 : 502, $"The body of {framing.Length} bytes is larger than the {limits.MaxBufferedBody} bytes the proxy buffers.");
                }

                return (await ReadFixedAsync(reader, (int)framing.Length, deadline).ConfigureAwait(false), null);
            case BodyKind.Chunked:
                return await ReadChunkedAsync(reader, limits, errorStatus, deadline).ConfigureAwait(false);
            default:
                return (await ReadToEndAsync(reader, limits, deadline).ConfigureAwait(false), null);
        }
    }

    private static async ValueTask<byte[]> ReadFixedAsync(PipeReader reader, int length, ReadDeadline deadline)
    {
        var body = GC.AllocateUninitializedArray<byte>(length);
        var filled = 0;
        while (filled < length)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var buffer = result.Buffer;
            var take = (int)Math.Min(buffer.Length, length - filled);
            buffer.Slice(0, take).CopyTo(body.AsSpan(filled));
            filled += take;
            reader.AdvanceTo(buffer.GetPosition(take));
            if (filled < length && result.IsCompleted)
            {
                throw new IOException($"The connection closed after {filled} of {length} body bytes.");
            }
        }

        return body;
    }

    private static async ValueTask<byte[]> ReadToEndAsync(PipeReader reader, HttpLimits limits, ReadDeadline deadline)
    {
        var body = new ArrayBufferWriter<byte>();
        while (true)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            foreach (var segment in result.Buffer)
            {
                body.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (body.WrittenCount > limits.MaxBufferedBody)
            {
                throw new MalformedMessageException(502, $"The body is larger than the {limits.MaxBufferedBody} bytes the proxy buffers.");
            }

            if (result.IsCompleted)
            {
                return body.WrittenSpan.ToArray();
            }
        }
    }

    private static async ValueTask<(byte[] Body, HttpHeaders? Trailers)> ReadChunkedAsync(PipeReader reader, HttpLimits limits, int errorStatus, ReadDeadline deadline)
    {
        var body = new ArrayBufferWriter<byte>();
        while (true)
        {
            var size = await ReadChunkSizeAsync(reader, limits, errorStatus, deadline).ConfigureAwait(false);
            if (size == 0)
            {
                var (trailers, _) = await ReadTrailersAsync(reader, limits, errorStatus, deadline).ConfigureAwait(false);
                return (body.WrittenSpan.ToArray(), trailers.Count > 0 ? trailers : null);
            }

            if (body.WrittenCount + size > limits.MaxBufferedBody)
            {
                throw new MalformedMessageException(errorStatus == 400 ? 413 : 502, $"The chunked body is larger than the {limits.MaxBufferedBody} bytes the proxy buffers.");
            }

            var remaining = size;
            while (remaining > 0)
            {
                var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
                var take = (int)Math.Min(result.Buffer.Length, remaining);
                foreach (var segment in result.Buffer.Slice(0, take))
                {
                    body.Write(segment.Span);
                }

                remaining -= take;
                reader.AdvanceTo(result.Buffer.GetPosition(take));
                if (remaining > 0 && result.IsCompleted)
                {
                    throw new IOException($"The connection closed in the middle of a chunk ({body.WrittenCount} body bytes read).");
                }
            }

            await ExpectLineEndAsync(reader, errorStatus, deadline).ConfigureAwait(false);
        }
    }

    internal static async ValueTask<long> ReadChunkSizeAsync(PipeReader reader, HttpLimits limits, int errorStatus, ReadDeadline deadline)
    {
        while (true)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var sequence = new SequenceReader<byte>(result.Buffer);
            if (HttpHeadParser.TryReadLine(ref sequence, limits.MaxChunkLine, errorStatus, "A chunk-size line is longer than {0} bytes.", out var line))
            {
                var size = ParseChunkSize(line, errorStatus);
                reader.AdvanceTo(sequence.Position);
                return size;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("The connection closed before the next chunk size.");
            }
        }
    }

    private static long ParseChunkSize(ReadOnlySpan<byte> line, int errorStatus)
    {
        var end = line.IndexOfAny((byte)';', (byte)' ', (byte)'\t');
        var digits = end < 0 ? line : line[..end];
        if (digits.IsEmpty || digits.Length > 15 ||
            !long.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size))
        {
            throw new MalformedMessageException(errorStatus, $"\"{HttpHeadParser.Printable(line)}\" is not a valid chunk size.");
        }

        return size;
    }

    /// <summary>Consumes the line end after a chunk's data; anything else means the chunk was longer than its size.</summary>
    internal static async ValueTask ExpectLineEndAsync(PipeReader reader, int errorStatus, ReadDeadline deadline)
    {
        while (true)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var sequence = new SequenceReader<byte>(result.Buffer);
            if (HttpHeadParser.TryReadLine(ref sequence, 1, errorStatus, "A chunk is longer than its size says (no line end after its data).", out var line))
            {
                if (!line.IsEmpty)
                {
                    throw new MalformedMessageException(errorStatus, "A chunk is longer than its size says (no line end after its data).");
                }

                reader.AdvanceTo(sequence.Position);
                return;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("The connection closed after a chunk's data.");
            }
        }
    }

    /// <summary>Reads the trailer section after the last chunk: the fields, and the bytes as received.</summary>
    internal static async ValueTask<(HttpHeaders Fields, byte[] Raw)> ReadTrailersAsync(PipeReader reader, HttpLimits limits, int errorStatus, ReadDeadline deadline)
    {
        while (true)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (HttpHeadParser.TryParseTrailers(ref buffer, limits, errorStatus == 400 ? 431 : 502, out var trailers))
            {
                var raw = result.Buffer.Slice(0, buffer.Start).ToArray();
                reader.AdvanceTo(buffer.Start);
                return (trailers!, raw);
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("The connection closed before the end of the chunked body.");
            }
        }
    }
}
