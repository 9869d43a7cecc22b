using System.Text;
using Addons.Host.Proxy.Http2.Hpack;
using static Addons.Host.Tests.Proxy.Http2.HpackTestData;

namespace Addons.Host.Tests.Proxy.Http2;

public sealed class HpackHuffmanTests
{
    [Test]
    public void TheTableIsTheCanonicalCompleteCodeOfAppendixB()
    {
        var codes = HpackHuffmanTable.Codes.ToArray();
        var lengths = HpackHuffmanTable.Lengths.ToArray();
        Assert.That((codes.Length, lengths.Length), Is.EqualTo((257, 257)));

        // RFC 7541's code is canonical: in order of length, then symbol, each code is the previous one plus one,
        // shifted by the growth in length, starting from 0. A mistyped code or length breaks the chain.
        var order = Enumerable.Range(0, 257).OrderBy(s => lengths[s]).ThenBy(s => s).ToArray();
        Assert.That(codes[order[0]], Is.Zero);
        for (var i = 1; i < order.Length; i++)
        {
            var (previous, symbol) = (order[i - 1], order[i]);
            var expected = (codes[previous] + 1) << (lengths[symbol] - lengths[previous]);
            Assert.That(codes[symbol], Is.EqualTo(expected), $"symbol {symbol}");
        }

        // Complete: the last (longest) code is all ones, EOS's 30 bits.
        Assert.That(order[^1], Is.EqualTo(HpackHuffmanTable.Eos));
        Assert.That((codes[256], lengths[256]), Is.EqualTo((0x3fffffffu, (byte)30)));
        Assert.That((codes['a'], lengths['a']), Is.EqualTo((0x3u, (byte)5)));
        Assert.That((codes[255], lengths[255]), Is.EqualTo((0x3ffffeeu, (byte)26)));
    }

    // From RFC 7541 C.4 and C.6.
    [TestCase("www.example.com", "f1e3c2e5f23a6ba0ab90f4ff")]
    [TestCase("no-cache", "a8eb10649cbf")]
    [TestCase("custom-key", "25a849e95ba97d7f")]
    [TestCase("custom-value", "25a849e95bb8e8b4bf")]
    [TestCase("302", "6402")]
    [TestCase("307", "640eff")]
    [TestCase("private", "aec3771a4b")]
    [TestCase("Mon, 21 Oct 2013 20:13:21 GMT", "d07abe941054d444a8200595040b8166e082a62d1bff")]
    [TestCase("https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3")]
    [TestCase("gzip", "9bd9ab")]
    [TestCase("foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
        "94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007")]
    [TestCase("", "")]
    public void RfcStringsEncodeAndDecodeExactly(string text, string hex)
    {
        var raw = Encoding.Latin1.GetBytes(text);
        Assert.That(HpackHuffman.GetEncodedLength(raw), Is.EqualTo(hex.Length / 2));
        var encoded = new byte[hex.Length / 2];
        Assert.That(HpackHuffman.Encode(raw, encoded), Is.EqualTo(encoded.Length));
        Assert.That(ToHex(encoded), Is.EqualTo(hex));
        Assert.That(DecodeToString(Hex(hex)), Is.EqualTo(text));
    }

    [Test]
    public void EveryOctetRoundTripsAloneAndTogether()
    {
        for (var octet = 0; octet < 256; octet++)
        {
            AssertRoundTrips([(byte)octet]);
            AssertRoundTrips([(byte)octet, (byte)octet, (byte)octet]);
        }

        AssertRoundTrips(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray());
        AssertRoundTrips(Enumerable.Range(0, 256).Select(i => (byte)(255 - i)).ToArray());
    }

    [Test]
    public void RandomStringsRoundTrip()
    {
        var random = new Random(7541);
        for (var i = 0; i < 500; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            AssertRoundTrips(bytes);

            // And text-like strings, where the short codes dominate and a symbol can end on any bit.
            var text = new byte[random.Next(0, 100)];
            for (var j = 0; j < text.Length; j++)
            {
                text[j] = (byte)random.Next(0x20, 0x7f);
            }

            AssertRoundTrips(text);
        }
    }

    [TestCase("ffffffff", TestName = "EOS alone, with 2 bits of padding")]
    [TestCase("1fffffff ff", TestName = "EOS after a")]
    [TestCase("1fffffff fc00", TestName = "EOS in the middle of a string")]
    public void EosInTheStringIsRefused(string hex) =>
        Assert.That(DecodeError(Hex(hex)), Does.Contain("contains the EOS symbol"));

    [TestCase("1fff", 11, TestName = "a, then 11 bits of padding")]
    [TestCase("ff", 8, TestName = "8 bits of padding alone")]
    [TestCase("1fffffff", 27, TestName = "a, then 27 bits of padding")]
    public void PaddingLongerThanSevenBitsIsRefused(string hex, int bits) =>
        Assert.That(DecodeError(Hex(hex)), Does.Contain($"ends with {bits} bits of padding, more than 7"));

    [TestCase("18", TestName = "a, then 000")]
    [TestCase("1a", TestName = "a, then 010")]
    [TestCase("00", TestName = "0, then 000")]
    [TestCase("fe", TestName = "the start of ! without its last 2 bits")]
    public void PaddingThatIsNotAllOnesIsRefused(string hex) =>
        Assert.That(DecodeError(Hex(hex)), Does.Contain("padding that is not all ones"));

    [TestCase("1f", "a", TestName = "a, then 3 bits of padding")]
    [TestCase("f8", "&", TestName = "an 8-bit code, no padding")]
    [TestCase("003f", "00", TestName = "0 0, then 6 bits of padding")]
    public void ValidPaddingIsAccepted(string hex, string text) =>
        Assert.That(DecodeToString(Hex(hex)), Is.EqualTo(text));

    private static void AssertRoundTrips(byte[] bytes)
    {
        var encoded = new byte[HpackHuffman.GetEncodedLength(bytes)];
        Assert.That(HpackHuffman.Encode(bytes, encoded), Is.EqualTo(encoded.Length));
        var decoded = new byte[HpackHuffman.GetMaxDecodedLength(encoded.Length)];
        var length = HpackHuffman.Decode(encoded, decoded);
        Assert.That(decoded.AsSpan(0, length).ToArray(), Is.EqualTo(bytes), () => ToHex(bytes));
    }

    private static string DecodeToString(byte[] encoded)
    {
        var decoded = new byte[HpackHuffman.GetMaxDecodedLength(encoded.Length)];
        return Encoding.Latin1.GetString(decoded, 0, HpackHuffman.Decode(encoded, decoded));
    }

    private static string DecodeError(byte[] encoded) =>
        Assert.Throws<HpackDecodingException>(() => HpackHuffman.Decode(encoded, new byte[64]))!.Message;
}
