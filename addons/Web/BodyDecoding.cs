using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using ZstdSharp;

namespace Addons.Web;

/// <summary>
/// Undoes a message's <c>Content-Encoding</c>, as mitmproxy's decoded view does: gzip, deflate (zlib-wrapped, or raw
/// as some servers send it), br and zstd, each possibly listed in sequence; identity and none leave the body as is.
/// A body cut short is refused rather than shown as the part that decodes: the BCL's decompressing streams end
/// quietly where the input ends, so each format's own end is checked (gzip's CRC-32 and size, zlib's Adler-32, raw
/// deflate's final block, brotli's end of stream; zstd's decoder checks its own).
/// </summary>
internal static class BodyDecoding
{
    /// <summary>The most a body may decode to.</summary>
    public const int MaxDecoded = 256 * 1024 * 1024;

    /// <summary>The decoded body; an <see cref="InvalidDataException"/> whose message is the sentence for the user otherwise.</summary>
    public static byte[] Decode(byte[] content, string? encodingHeader)
    {
        if (string.IsNullOrWhiteSpace(encodingHeader))
        {
            return content;
        }

        // Encodings are listed in the order they were applied: undo them from the last.
        var encodings = encodingHeader.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var body = content;
        for (var i = encodings.Length - 1; i >= 0; i--)
        {
            body = DecodeOne(body, encodings[i].ToLowerInvariant());
        }

        return body;
    }

    private static byte[] DecodeOne(byte[] content, string encoding)
    {
        if (encoding is not ("identity" or "none" or "gzip" or "x-gzip" or "deflate" or "br" or "zstd"))
        {
            throw new InvalidDataException($"The body's Content-Encoding \"{encoding}\" is not one the web interface decodes (gzip, deflate, br, zstd).");
        }

        if (content.Length == 0)
        {
            // A 204 or a HEAD answer may name an encoding with no body at all.
            return content;
        }

        try
        {
            return encoding switch
            {
                "gzip" or "x-gzip" => CheckGzip(content, Inflate(new GZipStream(new MemoryStream(content), CompressionMode.Decompress), encoding)),
                "deflate" => InflateDeflate(content),
                "br" => InflateBrotli(content),
                "zstd" => Inflate(new DecompressionStream(new MemoryStream(content)), encoding),
                _ => content,
            };
        }
        catch (BodyTooLargeException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ZstdException or InvalidOperationException)
        {
            throw new InvalidDataException($"The body does not decode as {encoding}: {e.Message}", e);
        }
    }

    private static byte[] InflateDeflate(byte[] content)
    {
        // RFC 9110's deflate is zlib; some servers send raw deflate, which a zlib header check tells apart.
        var zlib = content.Length >= 2 && (content[0] & 0x0F) == 8 && ((content[0] << 8) | content[1]) % 31 == 0;
        if (zlib)
        {
            var inflated = Inflate(new ZLibStream(new MemoryStream(content), CompressionMode.Decompress), "deflate");
            if (content.Length < 6 || BinaryPrimitives.ReadUInt32BigEndian(content.AsSpan(^4)) != Adler32(inflated))
            {
                throw CutShort("zlib", "its Adler-32 checksum does not match");
            }

            return inflated;
        }

        // Raw deflate has no trailer. A complete stream ends at its final block, so bytes after it change nothing; a
        // stream cut short goes on into them and fails or decodes differently.
        var body = Inflate(new DeflateStream(new MemoryStream(content), CompressionMode.Decompress), "deflate");
        byte[] extended;
        try
        {
            extended = Inflate(new DeflateStream(new MemoryStream([.. content, .. JunkAfterEnd]), CompressionMode.Decompress), "deflate");
        }
        catch (InvalidDataException)
        {
            throw CutShort("deflate", "its final block is missing");
        }

        return extended.Length == body.Length ? body : throw CutShort("deflate", "its final block is missing");
    }

    private static readonly byte[] JunkAfterEnd = [.. Enumerable.Repeat((byte)0xFF, 16)];

    /// <summary>Brotli through the decoder itself, which tells a stream that ended from one that needs more input.</summary>
    private static byte[] InflateBrotli(byte[] content)
    {
        using var decoder = new BrotliDecoder();
        using var output = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            var input = content.AsSpan();
            while (true)
            {
                var status = decoder.Decompress(input, buffer, out var consumed, out var written);
                input = input[consumed..];
                if (output.Length + written > MaxDecoded)
                {
                    throw new BodyTooLargeException($"The body decodes (br) to more than {MaxDecoded / (1024 * 1024)} MiB; download it raw instead.");
                }

                output.Write(buffer, 0, written);
                switch (status)
                {
                    case OperationStatus.Done:
                        return output.ToArray();
                    case OperationStatus.NeedMoreData:
                        throw CutShort("brotli", "the stream does not end");
                    case OperationStatus.InvalidData:
                        throw new InvalidDataException("the data is not valid brotli");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A gzip body's last member ends with the CRC-32 and size of what it holds: the whole output for one member, its
    /// last bytes for several.
    /// </summary>
    private static byte[] CheckGzip(byte[] content, byte[] inflated)
    {
        if (content.Length >= 18)
        {
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(^8));
            var size = BinaryPrimitives.ReadUInt32LittleEndian(content.AsSpan(^4));
            var last = inflated.Length - (long)size;
            if (last >= 0 && Crc32.HashToUInt32(inflated.AsSpan((int)last)) == crc)
            {
                return inflated;
            }
        }

        throw CutShort("gzip", "its CRC-32 and size do not match what it decodes to");
    }

    private static uint Adler32(ReadOnlySpan<byte> data)
    {
        const uint Modulus = 65521;
        uint a = 1, b = 0;
        while (!data.IsEmpty)
        {
            // 5552 bytes is the most that cannot overflow b before the modulo.
            var chunk = data[..Math.Min(5552, data.Length)];
            foreach (var value in chunk)
            {
                a += value;
                b += a;
            }

            a %= Modulus;
            b %= Modulus;
            data = data[chunk.Length..];
        }

        return (b << 16) | a;
    }

    private static InvalidDataException CutShort(string format, string why) =>
        new($"it ends before its {format} stream does ({why}): the body was cut short or damaged");

    /// <summary>Decodes up to <see cref="MaxDecoded"/> bytes: a small body may expand without bound.</summary>
    private static byte[] Inflate(Stream decoder, string encoding)
    {
        using (decoder)
        {
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = decoder.Read(buffer)) > 0)
            {
                if (output.Length + read > MaxDecoded)
                {
                    throw new BodyTooLargeException($"The body decodes ({encoding}) to more than {MaxDecoded / (1024 * 1024)} MiB; download it raw instead.");
                }

                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
    }

    private sealed class BodyTooLargeException(string message) : Exception(message);
}
