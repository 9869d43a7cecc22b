using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http2.Hpack;
using static Addons.Host.Tests.Proxy.Http2.HpackTestData;

namespace Addons.Host.Tests.Proxy.Http2;

public sealed class HpackEncoderTests
{
    [TestCase("authorization", "Basic dXNlcjpwYXNz")]
    [TestCase("proxy-authorization", "Bearer abc")]
    [TestCase("set-cookie", "id=a3fWa; Expires=Thu, 21 Oct 2021 07:28:00 GMT; Secure; HttpOnly")]
    [TestCase("cookie", "session=0123456789")]
    public void SensitiveFieldsAreNeverIndexed(string name, string value)
    {
        var encoder = new HpackEncoder();
        var fields = new[] { new HeaderField(name, value) };
        var first = Encode(encoder, fields);
        var second = Encode(encoder, fields);

        Assert.That(first[0] & 0xF0, Is.EqualTo(0x10), "0001xxxx: literal never indexed");
        Assert.That(second, Is.EqualTo(first), "still a literal the second time");
        Assert.That(encoder.DynamicTable.Count, Is.Zero);

        var decoder = new HpackDecoder();
        var neverIndexed = new List<int>();
        var headers = new List<HeaderField>();
        Assert.That(decoder.Decode(first, headers, int.MaxValue, neverIndexed), Is.True);
        Assert.That(headers, Is.EqualTo(fields));
        Assert.That(neverIndexed, Is.EqualTo(new[] { 0 }));
    }

    [Test]
    public void ALongCookieIsIndexed()
    {
        var encoder = new HpackEncoder();
        var block = Encode(encoder, [new HeaderField("cookie", "session=0123456789ab")]);
        Assert.That(block[0], Is.EqualTo(0x40 | 32), "01xxxxxx with the static name cookie (32)");
        Assert.That(Lines(encoder.DynamicTable), Is.EqualTo(new[] { "cookie: session=0123456789ab" }));
    }

    [Test]
    public void FieldsTheCallerMarksAreNeverIndexed()
    {
        var encoder = new HpackEncoder();
        var fields = new[] { new HeaderField("x-a", "1"), new HeaderField("x-secret", "2"), new HeaderField(":method", "GET") };
        var block = Encode(encoder, fields, new HashSet<int> { 1, 2 });

        var decoder = new HpackDecoder();
        var neverIndexed = new List<int>();
        var headers = new List<HeaderField>();
        Assert.That(decoder.Decode(block, headers, int.MaxValue, neverIndexed), Is.True);
        Assert.That(headers, Is.EqualTo(fields));
        Assert.That(neverIndexed, Is.EqualTo(new[] { 1, 2 }), "even a static exact match is sent as a never-indexed literal");
        Assert.That(Lines(encoder.DynamicTable), Is.EqualTo(new[] { "x-a: 1" }));
    }

    [Test]
    public void ARepeatedFieldIsOneIndexedOctetTheSecondTime()
    {
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder();
        var fields = new[] { new HeaderField("user-agent", "curl/8.5.0"), new HeaderField("x-request-kind", "probe") };

        var first = Encode(encoder, fields);
        Assert.That(first[0] & 0xC0, Is.EqualTo(0x40), "01xxxxxx: literal with incremental indexing");
        Assert.That(Decode(decoder, first), Is.EqualTo(Lines(fields)));

        var second = Encode(encoder, fields);
        Assert.That(ToHex(second), Is.EqualTo("bfbe"), "x-request-kind is newest (62), user-agent next (63)");
        Assert.That(Decode(decoder, second), Is.EqualTo(Lines(fields)));
    }

    [Test]
    public void StaticExactMatchesAreIndexed() =>
        Assert.That(ToHex(Encode(new HpackEncoder(), Fields(":method: GET", ":path: /", ":status: 404", "accept-encoding: gzip, deflate"))),
            Is.EqualTo("82848d90"));

    [Test]
    public void AValueTooLargeForHalfTheTableIsNotIndexed()
    {
        var encoder = new HpackEncoder();
        var block = Encode(encoder, [new HeaderField("x-large", new string('z', 2100))]);
        Assert.That(block[0], Is.EqualTo(0x00), "0000xxxx: literal without indexing, new name");
        Assert.That(encoder.DynamicTable.Count, Is.Zero);
        Assert.That(Decode(new HpackDecoder(), block), Is.EqualTo(new[] { "x-large: " + new string('z', 2100) }));
    }

    [Test]
    public void HuffmanIsUsedOnlyWhenShorter()
    {
        // "307" takes 17 bits Huffman-coded, 3 octets either way, so it goes raw; "302" takes 16 bits.
        Assert.That(ToHex(Encode(new HpackEncoder(), Fields(":status: 307"))), Is.EqualTo("4803333037"));
        Assert.That(ToHex(Encode(new HpackEncoder(), Fields(":status: 302"))), Is.EqualTo("48826402"));
    }

    [Test]
    public void CharactersLatin1CannotCarryAreSentAsQuestionMarks()
    {
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder();
        Assert.That(Decode(decoder, Encode(encoder, [new HeaderField("x-v", "\u00e9\u20ac\ud83d\ude00")])), Is.EqualTo(new[] { "x-v: \u00e9???" }));
    }

    [Test]
    public void APeerTableSizeChangeIsAnnouncedAtTheStartOfTheNextBlockOnly()
    {
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder();
        Decode(decoder, Encode(encoder, Fields("x-one: 1", "x-two: 2")));

        encoder.SetPeerMaxTableSize(40);
        Assert.That(Lines(encoder.DynamicTable), Is.EqualTo(new[] { "x-two: 2" }), "the table shrinks at once");

        var block = Encode(encoder, Fields(":method: GET", "x-three: 3"));
        Assert.That(ToHex(block.AsSpan(0, 3)), Is.EqualTo("3f0982"), "a size update to 40 (31 + 9), then the fields");
        Assert.That(Decode(decoder, block), Is.EqualTo(new[] { ":method: GET", "x-three: 3" }));
        Assert.That(decoder.DynamicTable.MaxSize, Is.EqualTo(40));
        Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(Lines(encoder.DynamicTable)));

        Assert.That(ToHex(Encode(encoder, Fields(":method: GET"))), Is.EqualTo("82"), "no update the block after");
    }

    [Test]
    public void ADipAndRiseBetweenBlocksAnnouncesTheLowPointThenTheFinalSize()
    {
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder();
        Decode(decoder, Encode(encoder, Fields("x-one: 1")));

        encoder.SetPeerMaxTableSize(0);
        encoder.SetPeerMaxTableSize(8192);
        var block = Encode(encoder, Fields("x-one: 1"));
        Assert.That(ToHex(block.AsSpan(0, 4)), Is.EqualTo("203fe11f"), "0, then 4096: the smaller of the peer's 8192 and this encoder's 4096");
        Assert.That(Decode(decoder, block), Is.EqualTo(new[] { "x-one: 1" }));
        Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(new[] { "x-one: 1" }), "re-added after the table emptied");
    }

    [Test]
    public void APeerSizeAboveTheEncodersOwnLimitChangesNothing()
    {
        var encoder = new HpackEncoder();
        encoder.SetPeerMaxTableSize(65_536);
        Assert.That(ToHex(Encode(encoder, Fields(":method: GET"))), Is.EqualTo("82"));
        Assert.That(encoder.DynamicTable.MaxSize, Is.EqualTo(4096));
    }

    [Test]
    public void AnEncoderLimitBelowTheDefaultIsAnnouncedInTheFirstBlock()
    {
        var encoder = new HpackEncoder(1024);
        Assert.That(ToHex(Encode(encoder, Fields(":method: GET"))), Is.EqualTo("3fe10782"), "1024 = 31 + 97 + 7 * 128");
        Assert.That(ToHex(Encode(encoder, Fields(":method: GET"))), Is.EqualTo("82"));
    }

    [Test]
    public void RandomHeaderListsRoundTripWithTablesInStep()
    {
        var random = new Random(7541);
        var names = new[] { "x-a", "x-b", "content-type", ":path", "cookie", "authorization", "x-\u00ff\u0000", "accept", "etag" };
        var encoder = new HpackEncoder(512);
        var decoder = new HpackDecoder(512);
        for (var block = 0; block < 300; block++)
        {
            if (random.Next(20) == 0)
            {
                encoder.SetPeerMaxTableSize(random.Next(0, 700));
            }

            var fields = new HeaderField[random.Next(0, 12)];
            for (var i = 0; i < fields.Length; i++)
            {
                // Few distinct values, so that fields repeat and get found in the table.
                var value = random.Next(4) == 0
                    ? new string(Enumerable.Range(0, random.Next(0, 300)).Select(_ => (char)random.Next(0, 256)).ToArray())
                    : "v" + random.Next(0, 6);
                fields[i] = new HeaderField(names[random.Next(names.Length)], value);
            }

            var encoded = Encode(encoder, fields);
            Assert.That(Decode(decoder, encoded), Is.EqualTo(Lines(fields)), $"block {block}");
            Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(Lines(encoder.DynamicTable)), $"table after block {block}");
            Assert.That((decoder.DynamicTable.Size, decoder.DynamicTable.MaxSize), Is.EqualTo((encoder.DynamicTable.Size, encoder.DynamicTable.MaxSize)));
        }
    }
}
