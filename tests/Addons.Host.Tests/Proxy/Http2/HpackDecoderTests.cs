using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http2.Hpack;
using static Addons.Host.Tests.Proxy.Http2.HpackTestData;

namespace Addons.Host.Tests.Proxy.Http2;

public sealed class HpackDecoderTests
{
    [Test]
    public void IntegersRoundTripForEveryPrefixUpToIntMaxValue()
    {
        var buffer = new byte[HpackInteger.MaxLength];
        foreach (var prefixBits in Enumerable.Range(1, 8))
        {
            foreach (var value in new[] { 0, 1, 2, 30, 31, 126, 127, 128, 254, 255, 256, 16_383, 16_384, 1 << 21, 1 << 28, int.MaxValue - 1, int.MaxValue })
            {
                var written = HpackInteger.Encode(value, prefixBits, 0, buffer);
                Assert.That(written, Is.EqualTo(HpackInteger.GetEncodedLength(value, prefixBits)));
                var position = 0;
                Assert.That(HpackInteger.Decode(buffer.AsSpan(0, written), ref position, prefixBits), Is.EqualTo(value), $"{value} in {prefixBits} bits");
                Assert.That(position, Is.EqualTo(written));
            }
        }
    }

    [TestCase("1f ffffffff0f", "integer exceeds 2147483647", TestName = "2^32 plus 30")]
    [TestCase("1f e1ffffff07", "integer exceeds 2147483647", TestName = "int MaxValue plus 1")]
    [TestCase("1f 808080808000", "more than 5 continuation octets", TestName = "six continuation octets")]
    [TestCase("1f 80", "ends in the middle of an integer", TestName = "a continuation octet promising more")]
    [TestCase("1f", "ends in the middle of an integer", TestName = "a full prefix and nothing after")]
    public void BadIntegersAreRefused(string hex, string fragment)
    {
        var position = 0;
        var error = Assert.Throws<HpackDecodingException>(() => HpackInteger.Decode(Hex(hex), ref position, 5));
        Assert.That(error!.Message, Does.Contain(fragment).And.StartWith("HPACK: "));
    }

    [Test]
    public void AnOverflowingIntegerInABlockIsRefused() =>
        Assert.That(DecodeError(new HpackDecoder(), Hex("ff ffffffff0f")), Does.Contain("integer exceeds 2147483647"));

    [Test]
    public void IndexZeroIsRefused()
    {
        Assert.That(DecodeError(new HpackDecoder(), Hex("80")), Does.Contain("index 0 is not a valid table index"));
    }

    [TestCase("be", "index 62 is past the end of the table (61 static and 0 dynamic entries)", TestName = "an indexed field past the static table")]
    [TestCase("7e 0161", "index 62 is past the end", TestName = "a literal whose name index is past the table")]
    [TestCase("1f2f 0161", "index 62 is past the end", TestName = "a never-indexed literal whose name index is past the table")]
    [TestCase("4001 6101 62 bf", "index 63 is past the end of the table (61 static and 1 dynamic entries)", TestName = "an index past one dynamic entry")]
    public void AnIndexPastTheTableIsRefused(string hex, string fragment) =>
        Assert.That(DecodeError(new HpackDecoder(), Hex(hex)), Does.Contain(fragment));

    [Test]
    public void TheLastDynamicEntryIsReachable()
    {
        var decoder = new HpackDecoder();
        Assert.That(Decode(decoder, Hex("4001 6101 62 4001 6301 64 bf be")), Is.EqualTo(new[] { "a: b", "c: d", "a: b", "c: d" }));
    }

    [Test]
    public void ASizeUpdateAboveTheAdvertisedMaximumIsRefused()
    {
        Assert.That(DecodeError(new HpackDecoder(), Hex("3fe21f")), Does.Contain("size update to 4097 exceeds the 4096 octets allowed"));
        Assert.That(DecodeError(new HpackDecoder(100), Hex("3f46")), Does.Contain("size update to 101 exceeds the 100 octets allowed"));
    }

    [Test]
    public void SizeUpdatesAtTheStartOfABlockApply()
    {
        var decoder = new HpackDecoder();
        Decode(decoder, Hex("4001 6101 62"));
        Assert.That(decoder.DynamicTable.Count, Is.EqualTo(1));

        // Down to 0 (evicting everything), then up to 4096, as an encoder signals a dip between two blocks.
        Assert.That(Decode(decoder, Hex("20 3fe11f 82")), Is.EqualTo(new[] { ":method: GET" }));
        Assert.That((decoder.DynamicTable.Count, decoder.DynamicTable.MaxSize), Is.EqualTo((0, 4096)));
        Assert.That(DecodeError(decoder, Hex("be")), Does.Contain("index 62 is past the end"), "the entry was evicted");

        Assert.That(Decode(decoder, Hex("3f45")), Is.Empty, "a block may hold only an update");
        Assert.That(decoder.DynamicTable.MaxSize, Is.EqualTo(100));
    }

    [TestCase("82 20", TestName = "after an indexed field")]
    [TestCase("4001 6101 62 3f45", TestName = "after a literal")]
    public void ASizeUpdateAfterAFieldIsRefused(string hex) =>
        Assert.That(DecodeError(new HpackDecoder(), Hex(hex)), Does.Contain("size update after a header field"));

    [TestCase("40", "ends where a string literal should start", TestName = "a new name missing")]
    [TestCase("41", "ends where a string literal should start", TestName = "a value missing")]
    [TestCase("400a 6375", "string literal of 10 octets runs past the end of the header block, which has 2 left", TestName = "a name cut short")]
    [TestCase("4001 61 05 6162", "string literal of 5 octets runs past the end", TestName = "a value cut short")]
    [TestCase("048c f1e3", "string literal of 12 octets runs past the end", TestName = "a Huffman value cut short")]
    [TestCase("04 7f", "ends in the middle of an integer", TestName = "a string length cut short")]
    [TestCase("00 ff", "ends in the middle of an integer", TestName = "a name length cut short")]
    [TestCase("10", "ends where a string literal should start", TestName = "a never-indexed literal with nothing after")]
    public void TruncatedLiteralsAreRefused(string hex, string fragment) =>
        Assert.That(DecodeError(new HpackDecoder(), Hex(hex)), Does.Contain(fragment));

    [TestCase("0481 ff", "bits of padding", TestName = "in a value")]
    [TestCase("0081 18 0161", "padding that is not all ones", TestName = "in a name")]
    [TestCase("0484 ffffffff", "contains the EOS symbol", TestName = "EOS in a value")]
    public void BadHuffmanInABlockIsRefused(string hex, string fragment) =>
        Assert.That(DecodeError(new HpackDecoder(), Hex(hex)), Does.Contain(fragment));

    [Test]
    public void NamesAreDecodedAsSentWhateverTheirCase()
    {
        // Uppercase is an HTTP/2 error, which the HTTP/2 layer reports; HPACK carries any octets.
        var decoder = new HpackDecoder();
        Assert.That(Decode(decoder, Hex("0003 582d 41 01 e9")), Is.EqualTo(new[] { "X-A: \u00e9" }));
    }

    [Test]
    public void AHugeHuffmanStringDecodesThroughAPooledBuffer()
    {
        // 1000 'a's take 625 octets Huffman-coded, more than the decoder decodes on the stack.
        var encoder = new HpackEncoder();
        var value = new string('a', 1000);
        var block = Encode(encoder, [new HeaderField("x", value)]);
        Assert.That(Decode(new HpackDecoder(), block), Is.EqualTo(new[] { "x: " + value }));
    }

    [Test]
    public void ABlockOverTheHeaderListLimitIsDecodedWholeAndReportedTooLarge()
    {
        var decoder = new HpackDecoder();
        var big = new string('v', 100);

        // :method GET (3 + 7 + 32 = 42), then x-big added to the table (5 + 100 + 32 = 137): 179 in all.
        var encoder = new HpackEncoder();
        var block = Encode(encoder, [new HeaderField(":method", "GET"), new HeaderField("x-big", big), new HeaderField(":path", "/")]);

        var headers = new List<HeaderField>();
        Assert.That(decoder.Decode(block, headers, 178), Is.False, "one octet over the limit");
        Assert.That(Lines(headers), Is.EqualTo(new[] { ":method: GET" }), "fields stop at the limit");
        Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(new[] { "x-big: " + big }), "the table is in step even so");

        // The next block refers to the entry the oversized block added.
        var next = Encode(encoder, [new HeaderField("x-big", big)]);
        Assert.That(ToHex(next), Is.EqualTo("be"));
        headers.Clear();
        Assert.That(decoder.Decode(next, headers, 137), Is.True, "exactly at the limit is allowed");
        Assert.That(Lines(headers), Is.EqualTo(new[] { "x-big: " + big }));
    }

    [Test]
    public void TheHeaderListLimitCountsRepeatedIndexedFields()
    {
        // 2000 copies of one indexed field are 2000 octets on the wire but 84,000 of header list.
        var block = Enumerable.Repeat((byte)0x82, 2000).ToArray();
        var headers = new List<HeaderField>();
        Assert.That(new HpackDecoder().Decode(block, headers, 16_384), Is.False);
        Assert.That(headers, Has.Count.EqualTo(16_384 / 42));
    }

    [Test]
    public void NeverIndexedPositionsAreReported()
    {
        var decoder = new HpackDecoder();
        var neverIndexed = new List<int>();
        var headers = new List<HeaderField>();

        // :method GET; never indexed authorization (static name 23); without indexing x: y; never indexed p: q.
        Assert.That(decoder.Decode(Hex("82 1f08 0161 0001 78 0179 1001 70 0171"), headers, int.MaxValue, neverIndexed), Is.True);
        Assert.That(Lines(headers), Is.EqualTo(new[] { ":method: GET", "authorization: a", "x: y", "p: q" }));
        Assert.That(neverIndexed, Is.EqualTo(new[] { 1, 3 }));
    }
}
