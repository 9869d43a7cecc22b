using Addons.Abstractions.Flows;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>What each operator matches, over the hand-built flows of <see cref="TestFlows"/>.</summary>
public sealed class FlowFilterOperatorTests
{
    [TestCase("~all", FlowKind.RequestOnly, true)]
    [TestCase("~all", FlowKind.Tcp, true)]
    [TestCase("~udp", FlowKind.Udp, true)]
    [TestCase("~dns", FlowKind.Dns, true)]
    [TestCase("~tcp", FlowKind.Dns, false)]
    [TestCase("~b hello", FlowKind.Tcp, true)]
    [TestCase("~bq hello", FlowKind.Tcp, true)]
    [TestCase("~bs hello", FlowKind.Tcp, false)]
    [TestCase("~bs \"it's me\"", FlowKind.Tcp, true)]
    [TestCase("~bq \"it's\"", FlowKind.Udp, false)]
    [TestCase("~b HELLO", FlowKind.Udp, true)]
    [TestCase("~q", FlowKind.DnsRequestOnly, true)]
    [TestCase("~q", FlowKind.Dns, false)]
    [TestCase("~s", FlowKind.Dns, true)]
    [TestCase("~s", FlowKind.DnsRequestOnly, false)]
    [TestCase("~u ^dns\\.google$", FlowKind.Dns, true)]
    [TestCase("google", FlowKind.DnsRequestOnly, true)]
    [TestCase("~u google", FlowKind.Tcp, false)]
    [TestCase("~m .", FlowKind.Dns, false)]
    [TestCase("~c 200", FlowKind.Dns, false)]
    [TestCase("~b .", FlowKind.Dns, true)]
    [TestCase("~q", FlowKind.RequestOnly, true)]
    [TestCase("~q", FlowKind.WithError, true)]
    [TestCase("~q", FlowKind.WithResponse, false)]
    [TestCase("~q", FlowKind.Tcp, false)]
    [TestCase("~s", FlowKind.WithResponse, true)]
    [TestCase("~s", FlowKind.RequestOnly, false)]
    [TestCase("~s", FlowKind.Tcp, false)]
    [TestCase("~e", FlowKind.WithError, true)]
    [TestCase("~e", FlowKind.RequestOnly, false)]
    [TestCase("~marked", FlowKind.Marked, true)]
    [TestCase("~marked", FlowKind.WithResponse, false)]
    [TestCase("~marker star", FlowKind.Marked, true)]
    [TestCase("~marker ^:STAR:$", FlowKind.Marked, true)]
    [TestCase("~marker heart", FlowKind.Marked, false)]
    [TestCase("~marker .", FlowKind.WithResponse, false)]
    [TestCase("~http", FlowKind.RequestOnly, true)]
    [TestCase("~http", FlowKind.Tcp, false)]
    [TestCase("~tcp", FlowKind.Tcp, true)]
    [TestCase("~tcp", FlowKind.RequestOnly, false)]
    [TestCase("~udp", FlowKind.Tcp, false)]
    [TestCase("~dns", FlowKind.RequestOnly, false)]
    [TestCase("~websocket", FlowKind.WebSocket, true)]
    [TestCase("~websocket", FlowKind.WithResponse, false)]
    [TestCase("~websocket", FlowKind.Tcp, false)]
    [TestCase("~replay", FlowKind.ReplayedRequest, true)]
    [TestCase("~replay", FlowKind.ReplayedResponse, true)]
    [TestCase("~replay", FlowKind.WithResponse, false)]
    [TestCase("~replayq", FlowKind.ReplayedRequest, true)]
    [TestCase("~replayq", FlowKind.ReplayedResponse, false)]
    [TestCase("~replays", FlowKind.ReplayedResponse, true)]
    [TestCase("~replays", FlowKind.ReplayedRequest, false)]
    [TestCase("~a", FlowKind.WithResponse, false)]
    [TestCase("~a", FlowKind.RequestOnly, false)]
    [TestCase("~h user-agent", FlowKind.RequestOnly, true)]
    [TestCase("~h \"^server: nginx\"", FlowKind.WithResponse, true)]
    [TestCase("~h \"^content-type: text/html; charset=utf-8\\r$\"", FlowKind.WithResponse, true)]
    [TestCase("~h nginx", FlowKind.RequestOnly, false)]
    [TestCase("~hq server", FlowKind.WithResponse, false)]
    [TestCase("~hq ^host:", FlowKind.WithResponse, true)]
    [TestCase("~hs server", FlowKind.WithResponse, true)]
    [TestCase("~hs host", FlowKind.WithResponse, false)]
    [TestCase("~hs .", FlowKind.RequestOnly, false)]
    [TestCase("~h \"x-name: caf\\\\xe9\"", FlowKind.Latin1, true)]
    [TestCase("~h \"x-utf8: café\"", FlowKind.Latin1, true)]
    [TestCase("~h .", FlowKind.Tcp, false)]
    [TestCase("~b hunter2", FlowKind.WithResponse, true)]
    [TestCase("~bq hunter2", FlowKind.WithResponse, true)]
    [TestCase("~bs hunter2", FlowKind.WithResponse, false)]
    [TestCase("~bs \"not found\"", FlowKind.WithResponse, true)]
    [TestCase("~b \"found</h1>.line two\"", FlowKind.WithResponse, true)]
    [TestCase("~b gzip.secret", FlowKind.Gzip, true)]
    [TestCase("~bs \"brotli secret\"", FlowKind.Brotli, true)]
    [TestCase("~b \"deflate secret\"", FlowKind.Deflate, true)]
    [TestCase("~b \"raw deflate secret\"", FlowKind.RawDeflate, true)]
    [TestCase("~b \"twice compressed\"", FlowKind.GzipThenBrotli, true)]
    [TestCase("~bs \"zstd stays raw\"", FlowKind.Zstd, true)]
    [TestCase("~b \"not gzip\"", FlowKind.BrokenGzip, true)]
    [TestCase("~bq secret", FlowKind.Gzip, false)]
    [TestCase("~b ^\\xff\\xfecaf\\xe9$", FlowKind.Latin1, true)]
    [TestCase("~b \"^\\xff\\xfecaf\\xe9$\"", FlowKind.Latin1, false)]
    [TestCase("~bs café", FlowKind.Latin1, false)]
    [TestCase("~bq \"naïve café\"", FlowKind.Latin1, true)]
    [TestCase("~b \"hello server\"", FlowKind.WebSocket, true)]
    [TestCase("~bq \"hello server\"", FlowKind.WebSocket, true)]
    [TestCase("~bs \"hello server\"", FlowKind.WebSocket, false)]
    [TestCase("~bs ^\\x00\\xffpong$", FlowKind.WebSocket, true)]
    [TestCase("~bq pong", FlowKind.WebSocket, false)]
    [TestCase("~b .", FlowKind.Tcp, true)]
    [TestCase("~t json", FlowKind.WithResponse, true)]
    [TestCase("~tq json", FlowKind.WithResponse, true)]
    [TestCase("~ts json", FlowKind.WithResponse, false)]
    [TestCase("~ts ^text/html", FlowKind.WithResponse, true)]
    [TestCase("~t html", FlowKind.RequestOnly, false)]
    [TestCase("~t .", FlowKind.Tcp, false)]
    [TestCase("~d example.com", FlowKind.RequestOnly, true)]
    [TestCase("~d ^api\\.example\\.com$", FlowKind.WithResponse, true)]
    [TestCase("~d other", FlowKind.WithResponse, false)]
    [TestCase("~d ^10\\.0\\.0\\.5$", FlowKind.ReverseProxied, true)]
    [TestCase("~d ^shop\\.example$", FlowKind.ReverseProxied, true)]
    [TestCase("~d ^::1$", FlowKind.Ipv6, true)]
    [TestCase("~d .", FlowKind.Tcp, false)]
    [TestCase("~m get", FlowKind.RequestOnly, true)]
    [TestCase("~m ^post$", FlowKind.WithResponse, true)]
    [TestCase("~m post", FlowKind.RequestOnly, false)]
    [TestCase("~m .", FlowKind.Tcp, false)]
    [TestCase("~u example.com/api/users", FlowKind.RequestOnly, true)]
    [TestCase("~u ^http://example\\.com/api/users\\?id=7$", FlowKind.RequestOnly, true)]
    [TestCase("~u ^https://api\\.example\\.com:8443/login$", FlowKind.WithResponse, true)]
    [TestCase("~u ^http://shop\\.example:8080/cart$", FlowKind.ReverseProxied, true)]
    [TestCase("~u 10.0.0.5", FlowKind.ReverseProxied, false)]
    [TestCase("~u ^http://\\[::1\\]:8080/local$", FlowKind.Ipv6, true)]
    [TestCase("~u ^secure\\.example:443$", FlowKind.Connect, true)]
    [TestCase("~u .", FlowKind.Tcp, false)]
    [TestCase("api/users", FlowKind.RequestOnly, true)]
    [TestCase("\"/api/users?\"", FlowKind.RequestOnly, true)]
    [TestCase("login", FlowKind.RequestOnly, false)]
    [TestCase("~c 404", FlowKind.WithResponse, true)]
    [TestCase("~c 200", FlowKind.WithResponse, false)]
    [TestCase("~c 404", FlowKind.RequestOnly, false)]
    [TestCase("~c 200", FlowKind.Tcp, false)]
    [TestCase("~src ^192\\.168\\.1\\.10:50123$", FlowKind.RequestOnly, true)]
    [TestCase("~src ^::1:5000$", FlowKind.Ipv6, true)]
    [TestCase("~src 10.0.0.1:4000", FlowKind.Tcp, true)]
    [TestCase("~src 10.0.0.1", FlowKind.RequestOnly, false)]
    [TestCase("~dst ^example\\.com:80$", FlowKind.RequestOnly, true)]
    [TestCase("~dst ^db\\.internal:5432$", FlowKind.Tcp, true)]
    [TestCase("~dst 5432", FlowKind.RequestOnly, false)]
    [TestCase("~meta \"^owner: alice$\"", FlowKind.Marked, true)]
    [TestCase("~meta ^source:", FlowKind.Marked, true)]
    [TestCase("~meta bob", FlowKind.Marked, false)]
    [TestCase("~meta .", FlowKind.RequestOnly, false)]
    [TestCase("~comment ^needs", FlowKind.Marked, true)]
    [TestCase("~comment urgent", FlowKind.Marked, false)]
    public void OperatorMatches(string expression, FlowKind kind, bool expected)
    {
        var filter = FlowFilter.Parse(expression);

        Assert.That(filter.Matches(TestFlows.Make(kind)), Is.EqualTo(expected), filter.ToString());
    }

    // mitmproxy's ASSET_TYPES, searched case-sensitively in the response's Content-Type (mitmproxy 8.1.1 and upstream).
    [TestCase("text/javascript", true)]
    [TestCase("application/x-javascript", true)]
    [TestCase("application/javascript; charset=utf-8", true)]
    [TestCase("text/css", true)]
    [TestCase("text/css2", true)]
    [TestCase("image/png", true)]
    [TestCase("x-image/y", true)]
    [TestCase("font/woff2", true)]
    [TestCase("application/font-woff", true)]
    [TestCase("application/fontx", true)]
    [TestCase("IMAGE/SVG+XML", false)]
    [TestCase("Text/CSS", false)]
    [TestCase("Font/woff2", false)]
    [TestCase("text/ecmascript", false)]
    [TestCase("application/wasm", false)]
    [TestCase("video/mp4", false)]
    [TestCase("text/html", false)]
    [TestCase("application/json", false)]
    [TestCase("", false)]
    public void AssetMatchesScriptsStylesImagesAndFonts(string contentType, bool expected)
    {
        var flow = TestFlows.RequestOnly();
        flow.Response = HttpResponse.Create(200, "x", ("Content-Type", contentType));

        Assert.That(FlowFilter.Parse("~a").Matches(flow), Is.EqualTo(expected));
    }

    [Test]
    public void ContentTypeOperatorsLookAtEveryContentTypeField()
    {
        var twoFields = TestFlows.RequestOnly();
        twoFields.Response = HttpResponse.Create(200, "x", ("Content-Type", "text/html"), ("content-type", "image/png"));
        var emptyFirst = TestFlows.RequestOnly();
        emptyFirst.Response = HttpResponse.Create(200, "x", ("Content-Type", ""), ("Content-Type", "font/ttf"));
        var requestOnly = TestFlows.RequestOnly();
        requestOnly.Request.Headers.Add("Content-Type", "image/png");

        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.Parse("~a").Matches(twoFields), Is.True);
            Assert.That(FlowFilter.Parse("~a").Matches(emptyFirst), Is.True);
            Assert.That(FlowFilter.Parse("~a").Matches(requestOnly), Is.False, "~a looks at the response only");
            Assert.That(FlowFilter.Parse("~ts png").Matches(twoFields), Is.True);
            Assert.That(FlowFilter.Parse("~t ^image/png$").Matches(twoFields), Is.True);
            Assert.That(FlowFilter.Parse("~tq png").Matches(requestOnly), Is.True);
        });
    }

    [TestCase("gzip")]
    [TestCase("br")]
    [TestCase("deflate")]
    [TestCase("gzip, br")]
    [TestCase("compress")]
    public void ABodyThatCannotBeDecodedIsMatchedAsItIs(string encoding)
    {
        var flow = TestFlows.Encoded(encoding, [.. "not compressed at all"u8, 0xFF, 0x00]);

        Assert.That(FlowFilter.Parse("~bs \"^not compressed at all\\\\xff\\\\x00$\"").Matches(flow), Is.True);
    }

    [Test]
    public void ATruncatedGzipBodyDoesNotThrow()
    {
        var whole = TestFlows.Gzip("compressed gzip secret");
        var flow = TestFlows.Encoded("gzip", whole[..(whole.Length / 2)]);

        Assert.That(() => FlowFilter.Parse("~bs secret").Matches(flow), Throws.Nothing);
    }

    [Test]
    public void ABodyThatWasStreamedIsNotMatched()
    {
        var flow = TestFlows.WithResponse();
        flow.Request.Content = null;
        flow.Response!.Content = null;

        Assert.That(FlowFilter.Parse("~b .*").Matches(flow), Is.False);
    }

    [Test]
    public void AnEmptyBodyIsMatchedAsEmptyText()
    {
        var flow = TestFlows.RequestOnly();

        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.Parse("~bq ^$").Matches(flow), Is.True);
            Assert.That(FlowFilter.Parse("~bq .").Matches(flow), Is.False);
        });
    }

    [Test]
    public void ABodyLargerThanTheStackBufferIsMatchedWhole()
    {
        var flow = TestFlows.RequestOnly();
        flow.Request.SetText(new string('a', 100_000) + "needle");
        flow.Request.Path = "/" + new string('p', 5000) + "/end";
        flow.Request.Headers.Add("X-Long", new string('h', 5000) + "tail");

        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.Parse("~b needle$").Matches(flow), Is.True);
            Assert.That(FlowFilter.Parse("~u p/end$").Matches(flow), Is.True);
            Assert.That(FlowFilter.Parse("~h \"htail\\r$\"").Matches(flow), Is.True);
        });
    }

    [Test]
    public void ARegexThatRunsOutOfTimeCountsAsNoMatch()
    {
        var flow = TestFlows.RequestOnly();
        flow.Request.SetText(new string('a', 5000) + " needle");

        // The body does contain "needle", but the first alternative backtracks catastrophically at the first 'a'
        // and the match is abandoned after a second, before the engine ever reaches the needle.
        var filter = FlowFilter.Parse("~b \"(a|aa)+x|needle\"");
        var shortFlow = TestFlows.RequestOnly();
        shortFlow.Request.SetText("aaa needle");

        Assert.Multiple(() =>
        {
            Assert.That(filter.Matches(shortFlow), Is.True);
            Assert.That(filter.Matches(flow), Is.False);
        });
    }

    [Test]
    public void MatchesRejectsNull()
    {
        Assert.That(() => FlowFilter.Parse("~q").Matches(null!), Throws.ArgumentNullException);
    }
}
