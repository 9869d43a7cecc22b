using Addons.Abstractions.Flows;
using Addons.Testing;

namespace Addons.View.Tests;

/// <summary>Issue 20: an HTTP/2 flow is added, filtered and ordered in the View as any HTTP flow.</summary>
public sealed class Http2FlowViewTests
{
    private ViewHarness _h = null!;

    [SetUp]
    public async Task CreateAsync() => _h = await ViewHarness.CreateAsync();

    [TearDown]
    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Test]
    public async Task An_HTTP2_flow_is_added_filtered_and_ordered_among_HTTP1_flows()
    {
        var first = Http1("GET", "https://c.example/first", created: 1);
        var http2 = Http2(created: 2);
        var last = Http1("PUT", "https://a.example/last", created: 3);

        _h.View.Add(last, http2, first);

        Assert.That(_h.Model.Flows, Is.EqualTo(new Flow[] { first, http2, last }), "by creation time");
        Assert.That(_h.TakeSignals().Count(s => s == "add"), Is.EqualTo(3));

        await _h.RunAsync("view.filter.set", "~d b.example");
        Assert.That(_h.Model.Flows, Is.EqualTo(new Flow[] { http2 }), "its :authority names the host");
        await _h.RunAsync("view.filter.set", "~h x-a & ~m POST & ~c 200 & ~bs pong");
        Assert.That(_h.Model.Flows, Is.EqualTo(new Flow[] { http2 }));
        await _h.RunAsync("view.filter.set", "~http & ~s");
        Assert.That(_h.Model.Count, Is.EqualTo(3));
        await _h.RunAsync("view.filter.set", "");

        await _h.RunAsync("view.order.set", "url");
        Assert.That(_h.Model.Flows, Is.EqualTo(new Flow[] { last, http2, first }));
        await _h.RunAsync("view.order.set", "method");
        Assert.That(_h.Methods(), Is.EqualTo(new[] { "GET", "POST", "PUT" }));
        await _h.RunAsync("view.order.set", "size");
        Assert.That(_h.Model[0], Is.SameAs(http2), "the smallest bodies");

        await _h.RunAsync("view.filter.set", "~c 503");
        Assert.That(_h.Model.Count, Is.Zero);
        http2.Response!.StatusCode = 503;
        _h.View.Update(http2);
        Assert.That(_h.Model.Flows, Is.EqualTo(new Flow[] { http2 }));
    }

    private static HttpFlow Http1(string method, string url, long created)
    {
        var flow = TestFlows.Http(method, url, "an HTTP/1.1 request body").WithResponse(200, "an HTTP/1.1 response body");
        flow.TimestampCreated = DateTimeOffset.FromUnixTimeSeconds(created);
        return flow;
    }

    /// <summary>An HTTP/2 request as the proxy records it: <c>:authority</c>, no Host field, no reason phrase.</summary>
    private static HttpFlow Http2(long created)
    {
        var flow = TestFlows.Http("POST", "https://b.example/h2", "ping", ("x-a", "1")).WithResponse(200, "pong");
        flow.Request.Headers.Remove("Host");
        flow.Request.Authority = "b.example";
        flow.Request.HttpVersion = "HTTP/2.0";
        flow.Response!.HttpVersion = "HTTP/2.0";
        flow.Response.Reason = "";
        flow.Response.Trailers = new HttpHeaders(("grpc-status", "0"));
        flow.TimestampCreated = DateTimeOffset.FromUnixTimeSeconds(created);
        return flow;
    }
}
