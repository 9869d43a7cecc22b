using System.IO.Compression;
using ZstdSharp;

namespace Addons.Web;

/// <summary>
/// Undoes a message's <c>Content-Encoding</c>, as mitmproxy's decoded view does: gzip, deflate (zlib-wrapped, or raw
/// as some servers send it), br and zstd, each possibly listed in sequence; identity and none leave the body as is.
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

        try
        {
            return encoding switch
            {
                "gzip" or "x-gzip" => Inflate(new GZipStream(new MemoryStream(content), CompressionMode.Decompress), encoding),
                "deflate" => InflateDeflate(content),
                "br" => Inflate(new BrotliStream(new MemoryStream(content), CompressionMode.Decompress), encoding),
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
        return zlib
            ? Inflate(new ZLibStream(new MemoryStream(content), CompressionMode.Decompress), "deflate")
            : Inflate(new DeflateStream(new MemoryStream(content), CompressionMode.Decompress), "deflate");
    }

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
