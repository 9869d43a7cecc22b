using System.IO.Compression;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary>
/// A message body as ~b sees it: the Content-Encoding removed (gzip, deflate, br; zstd has no decoder in the base
/// library), then each byte as one Latin-1 character. Decoding is lenient as mitmproxy's <c>get_content(strict=False)</c>:
/// a body that fails to decode, or uses an encoding with no decoder, is matched as it is.
/// </summary>
internal static class BodyText
{
    /// <summary>The body with its Content-Encoding removed, or as it is when that fails or has no decoder.</summary>
    public static byte[] Decoded(HttpHeaders headers, byte[] content)
    {
        if (content.Length == 0 || !headers.Contains("Content-Encoding"))
        {
            return content;
        }

        // "Content-Encoding: gzip, br" (or two fields) means gzip was applied first, so undo br first.
        var codings = new List<string>();
        foreach (var value in headers.GetAll("Content-Encoding"))
        {
            foreach (var coding in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                codings.Add(coding);
            }
        }

        var decoded = content;
        for (var i = codings.Count - 1; i >= 0; i--)
        {
            var next = DecodeOne(codings[i], decoded);
            if (next is null)
            {
                return content;
            }

            decoded = next;
        }

        return decoded;
    }

    private static byte[]? DecodeOne(string coding, byte[] content)
    {
        try
        {
            return coding.ToLowerInvariant() switch
            {
                "identity" or "none" => content,
                "gzip" or "x-gzip" => Inflate(new GZipStream(new MemoryStream(content), CompressionMode.Decompress)),
                "br" => Inflate(new BrotliStream(new MemoryStream(content), CompressionMode.Decompress)),
                "deflate" => InflateDeflate(content),
                _ => null,
            };
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or InvalidOperationException)
        {
            // Corrupt data: gzip and deflate report InvalidDataException, Brotli InvalidOperationException.
            return null;
        }
    }

    // HTTP "deflate" is meant to be zlib-wrapped, but many servers send raw deflate; accept both as mitmproxy does.
    private static byte[] InflateDeflate(byte[] content)
    {
        try
        {
            return Inflate(new ZLibStream(new MemoryStream(content), CompressionMode.Decompress));
        }
        catch (InvalidDataException)
        {
            return Inflate(new DeflateStream(new MemoryStream(content), CompressionMode.Decompress));
        }
    }

    private static byte[] Inflate(Stream decompressor)
    {
        using (decompressor)
        {
            using var output = new MemoryStream();
            decompressor.CopyTo(output);
            return output.ToArray();
        }
    }
}
