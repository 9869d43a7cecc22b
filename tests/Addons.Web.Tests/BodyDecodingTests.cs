using System.IO.Compression;
using System.Text;
using ZstdSharp;

namespace Addons.Web.Tests;

/// <summary>BodyDecoding.Decode: each Content-Encoding, stacked ones, identity, the size cap, and bodies that do not decode.</summary>
public sealed class BodyDecodingTests
{
    private static readonly byte[] Plain = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("Hello, decoded world! ", 200)));

    [Test]
    public void GzipIsUndone() => Assert.That(BodyDecoding.Decode(Gzip(Plain), "gzip"), Is.EqualTo(Plain));

    [Test]
    public void XGzipIsUndone() => Assert.That(BodyDecoding.Decode(Gzip(Plain), "x-gzip"), Is.EqualTo(Plain));

    [Test]
    public void ZlibDeflateIsUndone() => Assert.That(BodyDecoding.Decode(Zlib(Plain), "deflate"), Is.EqualTo(Plain));

    [Test]
    public void RawDeflateIsUndone() => Assert.That(BodyDecoding.Decode(RawDeflate(Plain), "deflate"), Is.EqualTo(Plain));

    [Test]
    public void BrotliIsUndone() => Assert.That(BodyDecoding.Decode(Brotli(Plain), "br"), Is.EqualTo(Plain));

    [Test]
    public void ZstdIsUndone() => Assert.That(BodyDecoding.Decode(Zstd(Plain), "zstd"), Is.EqualTo(Plain));

    [TestCase("gzip")]
    [TestCase("deflate")]
    [TestCase("deflate-raw")]
    [TestCase("br")]
    [TestCase("zstd")]
    public void ABodyCutShortIsRefusedNotShownAsWhatItDecodesTo(string encoding)
    {
        // Random text does not compress to nothing, so half the encoded bytes cannot hold the whole stream.
        var random = new Random(7);
        var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 20_000).Select(_ => (char)random.Next('a', 'z' + 1))));
        var encoded = encoding switch
        {
            "gzip" => Gzip(text),
            "deflate" => Zlib(text),
            "deflate-raw" => RawDeflate(text),
            "br" => Brotli(text),
            _ => Zstd(text),
        };
        var header = encoding == "deflate-raw" ? "deflate" : encoding;

        var error = Assert.Throws<InvalidDataException>(() => BodyDecoding.Decode(encoded[..(encoded.Length / 2)], header));

        // zstd's decoder says so itself ("Premature end of stream"); the others are checked against their format's end.
        Assert.That(error!.Message, Does.StartWith($"The body does not decode as {header}: ").And.Contain(encoding == "zstd" ? "Premature end" : "cut short"));
    }

    [TestCase("GZIP")]
    [TestCase(" gzip ")]
    public void TheEncodingsNameIsReadLooselyAsHeadersAre(string header) =>
        Assert.That(BodyDecoding.Decode(Gzip(Plain), header), Is.EqualTo(Plain));

    [Test]
    public void StackedEncodingsAreUndoneFromTheLast()
    {
        // "gzip, br": gzip was applied first, then br.
        var encoded = Brotli(Gzip(Plain));

        Assert.That(BodyDecoding.Decode(encoded, "gzip, br"), Is.EqualTo(Plain));
        Assert.Throws<InvalidDataException>(() => BodyDecoding.Decode(encoded, "br, gzip"), "the other order does not decode");
    }

    [Test]
    public void ThreeStackedEncodingsWithIdentityBetween() =>
        Assert.That(BodyDecoding.Decode(Zstd(RawDeflate(Gzip(Plain))), "gzip,identity , deflate,zstd"), Is.EqualTo(Plain));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("  ")]
    [TestCase("identity")]
    [TestCase("none")]
    [TestCase("identity, identity")]
    public void NoEncodingLeavesTheBodyAsIs(string? header)
    {
        var body = Encoding.UTF8.GetBytes("not compressed at all");

        Assert.That(BodyDecoding.Decode(body, header), Is.EqualTo(body));
    }

    [Test]
    public void TwoGzipMembersDecodeToBoth() =>
        // RFC 1952 allows several members; the check reads the last one's CRC-32 and size against the output's end.
        Assert.That(BodyDecoding.Decode([.. Gzip(Plain), .. Gzip("tail"u8.ToArray())], "gzip"), Is.EqualTo([.. Plain, .. "tail"u8.ToArray()]));

    [Test]
    public void AnEmptyGzipBodyDecodesToNothing() => Assert.That(BodyDecoding.Decode(Gzip([]), "gzip"), Is.Empty);

    [TestCase("gzip")]
    [TestCase("deflate")]
    [TestCase("br")]
    [TestCase("zstd")]
    public void NoBytesAtAllDecodeToNothing(string encoding) =>
        // A 204 or a HEAD answer may name an encoding with no body at all.
        Assert.That(BodyDecoding.Decode([], encoding), Is.Empty);

    [TestCase("compress")]
    [TestCase("gzip, lzma")]
    [TestCase("exi")]
    public void AnUnknownEncodingIsOneSentence(string header)
    {
        var e = Assert.Throws<InvalidDataException>(() => BodyDecoding.Decode(Gzip(Plain), header))!;

        Assert.That(e.Message, Does.StartWith("The body's Content-Encoding \""));
        Assert.That(e.Message, Does.Contain("is not one the web interface decodes"));
        Assert.That(e.Message, Does.EndWith("."));
    }

    private static IEnumerable<TestCaseData> Garbage()
    {
        byte[] bytes = [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09];
        byte[] text = Encoding.ASCII.GetBytes("<html>this was never compressed</html>");
        foreach (var encoding in new[] { "gzip", "deflate", "br", "zstd" })
        {
            yield return new TestCaseData(encoding, bytes).SetArgDisplayNames(encoding, "0xFF bytes");
            yield return new TestCaseData(encoding, text).SetArgDisplayNames(encoding, "plain text");
        }

        yield return new TestCaseData("zstd", Zstd(Plain)[..12]).SetArgDisplayNames("zstd", "truncated");
    }

    [TestCaseSource(nameof(Garbage))]
    public void ABodyThatDoesNotDecodeIsInvalidDataWithASentence(string encoding, byte[] body)
    {
        var e = Assert.Throws<InvalidDataException>(() => BodyDecoding.Decode(body, encoding))!;

        Assert.That(e.Message, Does.StartWith($"The body does not decode as {encoding}: "));
    }

    [Test]
    public void ABodyDecodingToMoreThanTheCapIsRefusedWithASentence()
    {
        // A gzip bomb of zeros a little over 256 MiB, compressed a chunk at a time (a few MiB of gzip).
        var bomb = Gzip(BodyDecoding.MaxDecoded + (1024 * 1024));
        Assert.That(bomb.Length, Is.LessThan(4 * 1024 * 1024));

        var e = Assert.Throws<InvalidDataException>(() => BodyDecoding.Decode(bomb, "gzip"))!;

        Assert.That(e.Message, Is.EqualTo("The body decodes (gzip) to more than 256 MiB; download it raw instead."));
        GC.Collect();
    }

    [Test]
    public void TheCapHoldsForStackedEncodingsToo()
    {
        // The bomb inside another encoding: br(gzip(zeros)).
        var bomb = Brotli(Gzip(BodyDecoding.MaxDecoded + (1024 * 1024)));

        var e = Assert.Throws<InvalidDataException>(() => BodyDecoding.Decode(bomb, "gzip, br"))!;

        Assert.That(e.Message, Does.Contain("more than 256 MiB"));
        GC.Collect();
    }

    private static byte[] Gzip(byte[] plain) => Compress(plain, s => new GZipStream(s, CompressionLevel.Optimal));

    private static byte[] Zlib(byte[] plain) => Compress(plain, s => new ZLibStream(s, CompressionLevel.Optimal));

    private static byte[] RawDeflate(byte[] plain) => Compress(plain, s => new DeflateStream(s, CompressionLevel.Optimal));

    private static byte[] Brotli(byte[] plain) => Compress(plain, s => new BrotliStream(s, CompressionLevel.Optimal));

    private static byte[] Zstd(byte[] plain)
    {
        using var compressor = new Compressor();
        return compressor.Wrap(plain).ToArray();
    }

    /// <summary>Gzip of <paramref name="zeros"/> zero bytes, written from one small buffer.</summary>
    private static byte[] Gzip(long zeros)
    {
        var chunk = new byte[1024 * 1024];
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (var left = zeros; left > 0; left -= chunk.Length)
            {
                gzip.Write(chunk, 0, (int)Math.Min(chunk.Length, left));
            }
        }

        return output.ToArray();
    }

    private static byte[] Compress(byte[] plain, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output))
        {
            stream.Write(plain);
        }

        return output.ToArray();
    }
}
