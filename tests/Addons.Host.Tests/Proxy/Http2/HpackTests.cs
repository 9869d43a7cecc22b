using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http2.Hpack;
using static Addons.Host.Tests.Proxy.Http2.HpackTestData;

namespace Addons.Host.Tests.Proxy.Http2;

/// <summary>The examples of RFC 7541 Appendix C, decoded byte for byte and round-tripped through the encoder.</summary>
public sealed class HpackTests
{
    private static readonly string[] Request1 = [":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com"];
    private static readonly string[] Request2 = [.. Request1, "cache-control: no-cache"];
    private static readonly string[] Request3 =
        [":method: GET", ":scheme: https", ":path: /index.html", ":authority: www.example.com", "custom-key: custom-value"];

    private static readonly string[] RequestTable1 = [":authority: www.example.com"];
    private static readonly string[] RequestTable2 = ["cache-control: no-cache", ":authority: www.example.com"];
    private static readonly string[] RequestTable3 =
        ["custom-key: custom-value", "cache-control: no-cache", ":authority: www.example.com"];

    private const string Date1 = "date: Mon, 21 Oct 2013 20:13:21 GMT";
    private const string Date2 = "date: Mon, 21 Oct 2013 20:13:22 GMT";
    private const string Location = "location: https://www.example.com";
    private const string SetCookie = "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

    private static readonly string[] Response1 = [":status: 302", "cache-control: private", Date1, Location];
    private static readonly string[] Response2 = [":status: 307", "cache-control: private", Date1, Location];
    private static readonly string[] Response3 =
        [":status: 200", "cache-control: private", Date2, Location, "content-encoding: gzip", SetCookie];

    private static readonly string[] ResponseTable1 = [Location, Date1, "cache-control: private", ":status: 302"];
    private static readonly string[] ResponseTable2 = [":status: 307", Location, Date1, "cache-control: private"];
    private static readonly string[] ResponseTable3 = [SetCookie, "content-encoding: gzip", Date2];

    // C.3 and C.4: the same requests without and with Huffman coding.
    private static readonly string[] C3 =
    [
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    ];

    private static readonly string[] C4 =
    [
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    ];

    // C.5 and C.6: the same responses without and with Huffman coding, in a 256-octet table.
    private static readonly string[] C5 =
    [
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d " +
        "546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f " +
        "6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b " +
        "2076 6572 7369 6f6e 3d31",
    ];

    private static readonly string[] C6 =
    [
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 " +
        "8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 " +
        "dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ];

    // C.1.1 to C.1.3.
    [TestCase(10, 5, "0a")]
    [TestCase(1337, 5, "1f9a0a")]
    [TestCase(42, 8, "2a")]
    public void IntegerExamples(int value, int prefixBits, string hex)
    {
        var buffer = new byte[HpackInteger.MaxLength];
        var written = HpackInteger.Encode(value, prefixBits, 0, buffer);
        Assert.That(ToHex(buffer.AsSpan(0, written)), Is.EqualTo(hex));
        Assert.That(HpackInteger.GetEncodedLength(value, prefixBits), Is.EqualTo(written));

        // The bits above the prefix belong to the representation, not the integer.
        var encoded = Hex(hex);
        encoded[0] |= (byte)~((1 << prefixBits) - 1);
        var position = 0;
        Assert.That(HpackInteger.Decode(encoded, ref position, prefixBits), Is.EqualTo(value));
        Assert.That(position, Is.EqualTo(encoded.Length));
    }

    [Test]
    public void C21LiteralWithIndexing()
    {
        var decoder = new HpackDecoder();
        var fields = Decode(decoder, Hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"));
        Assert.That(fields, Is.EqualTo(new[] { "custom-key: custom-header" }));
        Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(new[] { "custom-key: custom-header" }));
        Assert.That(decoder.DynamicTable.Size, Is.EqualTo(55));
    }

    [Test]
    public void C22LiteralWithoutIndexing()
    {
        var decoder = new HpackDecoder();
        Assert.That(Decode(decoder, Hex("040c 2f73 616d 706c 652f 7061 7468")), Is.EqualTo(new[] { ":path: /sample/path" }));
        Assert.That(decoder.DynamicTable.Count, Is.Zero);
        Assert.That(decoder.DynamicTable.Size, Is.Zero);
    }

    [Test]
    public void C23LiteralNeverIndexed()
    {
        var decoder = new HpackDecoder();
        var headers = new List<HeaderField> { new("already", "there") };
        var neverIndexed = new List<int>();
        Assert.That(decoder.Decode(Hex("1008 7061 7373 776f 7264 0673 6563 7265 74"), headers, int.MaxValue, neverIndexed), Is.True);
        Assert.That(Lines(headers), Is.EqualTo(new[] { "already: there", "password: secret" }));
        Assert.That(neverIndexed, Is.EqualTo(new[] { 1 }), "the position of the never-indexed field in the list");
        Assert.That(decoder.DynamicTable.Count, Is.Zero);
    }

    [Test]
    public void C24IndexedField()
    {
        var decoder = new HpackDecoder();
        Assert.That(Decode(decoder, Hex("82")), Is.EqualTo(new[] { ":method: GET" }));
        Assert.That(decoder.DynamicTable.Count, Is.Zero);
    }

    [Test]
    public void C3RequestsWithoutHuffman() => DecodeRequests(C3);

    [Test]
    public void C4RequestsWithHuffman() => DecodeRequests(C4);

    [Test]
    public void C5ResponsesWithoutHuffman() => DecodeResponses(C5);

    [Test]
    public void C6ResponsesWithHuffman() => DecodeResponses(C6);

    [Test]
    public void TheEncoderWritesTheC4RequestsExactly()
    {
        // Its choices happen to be the RFC's here: static matches, indexing, and Huffman for every string.
        var encoder = new HpackEncoder();
        var requests = new[] { Request1, Request2, Request3 };
        for (var i = 0; i < requests.Length; i++)
        {
            Assert.That(ToHex(Encode(encoder, Fields(requests[i]))), Is.EqualTo(ToHex(Hex(C4[i]))), $"request {i + 1}");
        }

        Assert.That(Lines(encoder.DynamicTable), Is.EqualTo(RequestTable3));
        Assert.That(encoder.DynamicTable.Size, Is.EqualTo(164));
    }

    [Test]
    public void TheEncoderWritesTheC6FirstResponseExactlyAfterItsTableSizeUpdate()
    {
        // The RFC assumes both ends already at 256 octets; this encoder starts at 4096, so it announces 256 first.
        var encoder = new HpackEncoder(256);
        var block = Encode(encoder, Fields(Response1));
        Assert.That(ToHex(block), Is.EqualTo("3fe101" + ToHex(Hex(C6[0]))));
        Assert.That(Lines(encoder.DynamicTable), Is.EqualTo(ResponseTable1));
    }

    [Test]
    public void TheRequestsRoundTripWithTablesInStep() =>
        RoundTrip(new HpackEncoder(), new HpackDecoder(), [Request1, Request2, Request3]);

    [Test]
    public void TheResponsesRoundTripWithTablesInStepThroughEviction() =>
        RoundTrip(new HpackEncoder(256), new HpackDecoder(256), [Response1, Response2, Response3, Response1, Response3]);

    private static void DecodeRequests(string[] blocks)
    {
        var decoder = new HpackDecoder();
        Assert.That(Decode(decoder, Hex(blocks[0])), Is.EqualTo(Request1));
        Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(RequestTable1));
        Assert.That(decoder.DynamicTable.Size, Is.EqualTo(57));

        Assert.That(Decode(decoder, Hex(blocks[1])), Is.EqualTo(Request2));
        Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(RequestTable2));
        Assert.That(decoder.DynamicTable.Size, Is.EqualTo(110));

        Assert.That(Decode(decoder, Hex(blocks[2])), Is.EqualTo(Request3));
        Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(RequestTable3));
        Assert.That(decoder.DynamicTable.Size, Is.EqualTo(164));
    }

    private static void DecodeResponses(string[] blocks)
    {
        // SETTINGS_HEADER_TABLE_SIZE is 256 in these examples, so entries get evicted.
        var decoder = new HpackDecoder(256);
        Assert.That(Decode(decoder, Hex(blocks[0])), Is.EqualTo(Response1));
        Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(ResponseTable1));
        Assert.That(decoder.DynamicTable.Size, Is.EqualTo(222));

        Assert.That(Decode(decoder, Hex(blocks[1])), Is.EqualTo(Response2));
        Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(ResponseTable2), ":status: 302 evicted for :status: 307");
        Assert.That(decoder.DynamicTable.Size, Is.EqualTo(222));

        Assert.That(Decode(decoder, Hex(blocks[2])), Is.EqualTo(Response3));
        Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(ResponseTable3), "three entries evicted in one block");
        Assert.That(decoder.DynamicTable.Size, Is.EqualTo(215));
    }

    private static void RoundTrip(HpackEncoder encoder, HpackDecoder decoder, string[][] lists)
    {
        foreach (var list in lists)
        {
            var block = Encode(encoder, Fields(list));
            Assert.That(Decode(decoder, block), Is.EqualTo(list));
            Assert.That(Lines(decoder.DynamicTable), Is.EqualTo(Lines(encoder.DynamicTable)), "the tables stay in step");
            Assert.That(decoder.DynamicTable.Size, Is.EqualTo(encoder.DynamicTable.Size));
        }
    }
}
