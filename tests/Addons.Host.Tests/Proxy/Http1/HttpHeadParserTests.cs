using System.Buffers;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http1;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Proxy.Http1;

public sealed class HttpHeadParserTests
{
    private static readonly HttpLimits Limits = new();

    [Test]
    public void ARequestHeadIsParsedExactlyAsReceived()
    {
        var buffer = Bytes("GET http://example.com/a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-Dup: 1\r\nx-dup:   2  \r\n\r\nBODY");

        Assert.That(HttpHeadParser.TryParseRequest(ref buffer, Limits, out var head), Is.True);

        Assert.That((head!.Method, head.Target, head.Version), Is.EqualTo(("GET", "http://example.com/a?b=1", "HTTP/1.1")));
        Assert.That(head.Headers.Select(h => $"{h.Name}={h.Value}"), Is.EqualTo(new[] { "Host=example.com", "X-Dup=1", "x-dup=2" }));
        Assert.That(Encoding.ASCII.GetString(buffer.ToArray()), Is.EqualTo("BODY"), "the buffer is left at the body");
    }

    [Test]
    public void AHeadSplitAcrossSegmentsIsParsedOnceComplete()
    {
        var text = "POST /x HTTP/1.0\nA: b\n\n";
        for (var cut = 1; cut < text.Length; cut++)
        {
            var partial = Bytes(text[..cut]);
            Assert.That(HttpHeadParser.TryParseRequest(ref partial, Limits, out _), Is.False, $"incomplete at {cut}");
        }

        var whole = Segmented(Encoding.ASCII.GetBytes(text), 3);
        Assert.That(HttpHeadParser.TryParseRequest(ref whole, Limits, out var head), Is.True);
        Assert.That(head!.Headers["a"], Is.EqualTo("b"));
    }

    [TestCase("GET\r\n\r\n", 400, "is not METHOD TARGET HTTP/1.x")]
    [TestCase("GET / HTTP/1.1 extra\r\n\r\n", 400, "contains whitespace, control or non-ASCII characters")]
    [TestCase("G(T / HTTP/1.1\r\n\r\n", 400, "contains characters a method cannot have")]
    [TestCase("GET /a\u0001b HTTP/1.1\r\n\r\n", 400, "contains whitespace, control or non-ASCII characters")]
    [TestCase("GET / HTTP/2.0\r\n\r\n", 505, "is not supported")]
    [TestCase("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400, "contains characters a field name cannot have")]
    [TestCase("GET / HTTP/1.1\r\nName : x\r\n\r\n", 400, "contains characters a field name cannot have")]
    [TestCase("GET / HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n", 400, "obsolete line folding")]
    [TestCase("GET / HTTP/1.1\r\nA: b\u0000c\r\n\r\n", 400, "contains a control character")]
    [TestCase("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, "has no field name and colon")]
    [TestCase("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400, "bare carriage return")]
    public void MalformedRequestHeadsAreRefused(string text, int status, string reason)
    {
        var buffer = Bytes(text);

        var ex = Assert.Throws<MalformedMessageException>(() => HttpHeadParser.TryParseRequest(ref buffer, Limits, out _));

        Assert.That(ex!.StatusCode, Is.EqualTo(status));
        Assert.That(ex.Message, Does.Contain(reason));
    }

    [Test]
    public void OversizedHeadsAreRefusedBeforeTheyAreComplete()
    {
        var longLine = Bytes("GET /" + new string('a', 9000));
        var longHeaders = Bytes("GET / HTTP/1.1\r\n" + string.Concat(Enumerable.Repeat("X-Filler: " + new string('b', 1000) + "\r\n", 70)));
        var manyHeaders = Bytes("GET / HTTP/1.1\r\n" + string.Concat(Enumerable.Range(0, 101).Select(i => $"X-{i}: 1\r\n")) + "\r\n");

        Assert.That(Assert.Throws<MalformedMessageException>(() => HttpHeadParser.TryParseRequest(ref longLine, Limits, out _))!.StatusCode, Is.EqualTo(414));
        var tooLarge = Assert.Throws<MalformedMessageException>(() => HttpHeadParser.TryParseRequest(ref longHeaders, Limits, out _))!;
        Assert.That(tooLarge.StatusCode, Is.EqualTo(431));
        Assert.That(tooLarge.Message, Is.EqualTo($"The header section is larger than {Limits.MaxHeaderBytes} bytes."), "the limit, not what was left of it");
        Assert.That(Assert.Throws<MalformedMessageException>(() => HttpHeadParser.TryParseRequest(ref manyHeaders, Limits, out _))!.StatusCode, Is.EqualTo(431));
    }

    [Test]
    public void KnownFieldNamesAreSharedAndKeepTheCaseSent()
    {
        var first = Bytes("GET / HTTP/1.1\r\nHost: a\r\nContent-Type: x\r\ncontent-type: y\r\nX-Own: z\r\n\r\n");
        var second = Bytes("GET / HTTP/1.1\r\nHost: b\r\nContent-Type: x\r\n\r\n");

        Assert.That(HttpHeadParser.TryParseRequest(ref first, Limits, out var one), Is.True);
        Assert.That(HttpHeadParser.TryParseRequest(ref second, Limits, out var two), Is.True);

        Assert.That(one!.Headers.Select(h => h.Name), Is.EqualTo(new[] { "Host", "Content-Type", "content-type", "X-Own" }));
        Assert.That(one.Headers[1].Name, Is.SameAs(two!.Headers[1].Name));
    }

    [Test]
    public void AHeadAfterARefusedOneHoldsOnlyItsOwnFields()
    {
        var refused = Bytes("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nBad Name: x\r\n\r\n");
        var incomplete = Bytes("GET / HTTP/1.1\r\nC: 3\r\n");
        var good = Bytes("GET / HTTP/1.1\r\nD: 4\r\n\r\n");

        Assert.Throws<MalformedMessageException>(() => HttpHeadParser.TryParseRequest(ref refused, Limits, out _));
        Assert.That(HttpHeadParser.TryParseRequest(ref incomplete, Limits, out _), Is.False);
        Assert.That(HttpHeadParser.TryParseRequest(ref good, Limits, out var head), Is.True);

        Assert.That(head!.Headers.Select(h => $"{h.Name}={h.Value}"), Is.EqualTo(new[] { "D=4" }));
    }

    [TestCase("HTTP/1.1 200 OK\r\n\r\n", 200, "OK")]
    [TestCase("HTTP/1.1 404 \r\n\r\n", 404, "")]
    [TestCase("HTTP/1.1 204\r\n\r\n", 204, "")]
    [TestCase("HTTP/1.0 299 A Reason With Spaces\r\n\r\n", 299, "A Reason With Spaces")]
    public void StatusLinesKeepTheirReasonPhrase(string text, int status, string reason)
    {
        var buffer = Bytes(text);

        Assert.That(HttpHeadParser.TryParseResponse(ref buffer, Limits, out var head), Is.True);
        Assert.That((head!.StatusCode, head.Reason), Is.EqualTo((status, reason)));
    }

    [TestCase("HTTP/1.1 2000 OK\r\n\r\n")]
    [TestCase("HTTX/1.1 200 OK\r\n\r\n")]
    [TestCase("garbage\r\n\r\n")]
    public void ABrokenStatusLineIsTheServersFault(string text)
    {
        var buffer = Bytes(text);

        Assert.That(Assert.Throws<MalformedMessageException>(() => HttpHeadParser.TryParseResponse(ref buffer, Limits, out _))!.StatusCode, Is.EqualTo(502));
    }

    [TestCase("Content-Length: 5", "ContentLength", 5)]
    [TestCase("Content-Length: 5, 5", "ContentLength", 5)]
    [TestCase("Content-Length: 0", "None", 0)]
    [TestCase("Transfer-Encoding: chunked", "Chunked", -1)]
    [TestCase("Transfer-Encoding: Chunked", "Chunked", -1)]
    [TestCase("", "None", 0)]
    public void RequestFraming(string field, string kind, long length) =>
        Assert.That(BodyFraming.ForRequest(Headers(field)), Is.EqualTo(new BodyFraming(Enum.Parse<BodyKind>(kind), length)));

    [TestCase("Content-Length: 5\nTransfer-Encoding: chunked", 400, "both Content-Length and Transfer-Encoding")]
    [TestCase("Content-Length: 5\nContent-Length: 6", 400, "conflicting Content-Length values (5 and 6)")]
    [TestCase("Content-Length: 5, 6", 400, "conflicting")]
    [TestCase("Content-Length: -1", 400, "invalid Content-Length")]
    [TestCase("Content-Length: 1e3", 400, "invalid Content-Length")]
    [TestCase("Transfer-Encoding: gzip, chunked", 400, "only chunked is")]
    [TestCase("Transfer-Encoding: gzip", 501, "only chunked is")]
    public void AmbiguousRequestFramingIsRefused(string fields, int status, string reason)
    {
        var ex = Assert.Throws<MalformedMessageException>(() => BodyFraming.ForRequest(Headers(fields)));

        Assert.That(ex!.StatusCode, Is.EqualTo(status));
        Assert.That(ex.Message, Does.Contain(reason));
    }

    [TestCase("GET", 200, "", "UntilClose")]
    [TestCase("HEAD", 200, "Content-Length: 10", "None")]
    [TestCase("GET", 204, "Content-Length: 10", "None")]
    [TestCase("GET", 304, "", "None")]
    [TestCase("GET", 200, "Transfer-Encoding: chunked\nContent-Length: 3", "Chunked")]
    [TestCase("GET", 200, "Transfer-Encoding: gzip", "UntilClose")]
    public void ResponseFraming(string method, int status, string fields, string kind) =>
        Assert.That(BodyFraming.ForResponse(Headers(fields), method, status).Kind, Is.EqualTo(Enum.Parse<BodyKind>(kind)));

    private static HttpHeaders Headers(string fields) =>
        new(fields.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(f => new HeaderField(f[..f.IndexOf(':')], f[(f.IndexOf(':') + 1)..].Trim())));

    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.Latin1.GetBytes(text));

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size) => SegmentedBytes.Of(bytes, size);
}
