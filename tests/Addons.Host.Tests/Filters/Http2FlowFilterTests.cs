using Addons.Abstractions.Flows;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>
/// Issue 20: mitmproxy's filter language has no operator for the HTTP version, so an HTTP/2 flow is matched as any
/// HTTP flow: each expression says of it what it says of the same exchange over HTTP/1.1, the request's
/// <c>:authority</c> standing where the HTTP/1 request's Host field does. Hosting/MitmdumpInteropTests checks the same
/// against mitmproxy 8.1.1's own filters.
/// </summary>
public sealed class Http2FlowFilterTests
{
    [TestCase("~http", true)]
    [TestCase("~tcp", false)]
    [TestCase("~q", false)]
    [TestCase("~s", true)]
    [TestCase("~e", false)]
    [TestCase("~h x-a", true)]
    [TestCase("~h \"x-a\"", true)]
    [TestCase("~h \"^x-a: 2\\r$\"", true)]
    [TestCase("~hq \"^user-agent: h2load\"", true)]
    [TestCase("~hs \"^server: kestrel\"", true)]
    [TestCase("~hs x-a", false)]
    [TestCase("~h grpc-status", false)]
    [TestCase("~d example.com", true)]
    [TestCase("~d ^example\\.com$", true)]
    [TestCase("~d other.example", false)]
    [TestCase("~m POST", true)]
    [TestCase("~m ^get$", false)]
    [TestCase("~t json", true)]
    [TestCase("~tq grpc", true)]
    [TestCase("~ts ^text/plain", true)]
    [TestCase("~ts json", false)]
    [TestCase("~bs \"pong from h2\"", true)]
    [TestCase("~bq want", true)]
    [TestCase("~bs want", false)]
    [TestCase("~b items", true)]
    [TestCase("~u ^https://example\\.com/api/items\\?page=2$", true)]
    [TestCase("api/items", true)]
    [TestCase("~c 200", true)]
    [TestCase("~c 404", false)]
    [TestCase("~a", false)]
    [TestCase("~websocket", false)]
    [TestCase("~src ^192\\.168\\.1\\.10:50125$", true)]
    [TestCase("~dst ^example\\.com:443$", true)]
    [TestCase("~m POST & ~d example.com & ~c 200 & !~e", true)]
    public void An_HTTP2_flow_matches_as_the_same_exchange_over_HTTP1_does(string expression, bool expected)
    {
        var filter = FlowFilter.Parse(expression);
        var http2 = TestFlows.Http2();

        Assert.Multiple(() =>
        {
            Assert.That(filter.Matches(http2), Is.EqualTo(expected), filter.ToString());
            Assert.That(filter.Matches(Http1Twin(TestFlows.Http2())), Is.EqualTo(expected), "the same exchange over HTTP/1.1");
            Assert.That(filter.MatchesSummary(FlowSummary.Of(http2)) ?? expected, Is.EqualTo(expected), "the cold flow's summary");
        });
    }

    [TestCase("~d ^10\\.0\\.0\\.5$", true)]
    [TestCase("~d ^shop\\.example$", true)]
    [TestCase("~d example.com", false)]
    [TestCase("~u ^https://shop\\.example:8443/cart$", true)]
    [TestCase("~u 10.0.0.5", false)]
    [TestCase("cart", true)]
    [TestCase("~dst ^10\\.0\\.0\\.5:9000$", true)]
    public void The_authority_a_reverse_proxied_HTTP2_request_named_is_its_pretty_host(string expression, bool expected)
    {
        var filter = FlowFilter.Parse(expression);
        var http2 = TestFlows.Http2Reverse();

        Assert.Multiple(() =>
        {
            Assert.That(filter.Matches(http2), Is.EqualTo(expected), filter.ToString());
            Assert.That(filter.Matches(Http1Twin(TestFlows.Http2Reverse())), Is.EqualTo(expected), "the same exchange over HTTP/1.1");
            Assert.That(filter.MatchesSummary(FlowSummary.Of(http2)) ?? expected, Is.EqualTo(expected), "the cold flow's summary");
        });
    }

    /// <summary>The flow as an HTTP/1.1 client and server would have had it: the authority as the Host field, a reason phrase.</summary>
    [Test]
    public void When_authority_and_host_disagree_HTTP2_goes_by_authority_and_HTTP1_by_host()
    {
        // mitmproxy 8.1.1's pretty_host: :authority first for HTTP/2, the Host field for HTTP/1.
        var http2 = TestFlows.Http2();
        http2.Request.Authority = "example.com";
        http2.Request.Headers.Set("host", "other.example");
        var http1 = Http1Twin(TestFlows.Http2());
        http1.Request.Authority = "example.com";
        http1.Request.Headers.Set("Host", "other.example");

        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.Parse("~d ^example\\.com$").Matches(http2), Is.True);
            Assert.That(FlowFilter.Parse("~d other").Matches(http2), Is.False);
            Assert.That(FlowFilter.Parse("~d other").Matches(http1), Is.True);
            Assert.That((http2.Request.PrettyHost, http1.Request.PrettyHost), Is.EqualTo(("example.com", "other.example")));
            Assert.That(FlowSummary.Of(http2).PrettyUrl, Does.Contain("example.com").And.Not.Contain("other"));
        });
    }

    private static HttpFlow Http1Twin(HttpFlow flow)
    {
        flow.Request.HttpVersion = "HTTP/1.1";
        flow.Request.Headers.Insert(0, "Host", flow.Request.Authority);
        flow.Request.Authority = "";
        flow.Response!.HttpVersion = "HTTP/1.1";
        flow.Response.Reason = ReasonPhrases.For(flow.Response.StatusCode);
        return flow;
    }
}
