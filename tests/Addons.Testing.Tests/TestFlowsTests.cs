using Addons.Host.Filters;
using Addons.Abstractions.Flows;

namespace Addons.Testing.Tests;

/// <summary>The flows TestFlows builds: complete, fixed, and what their parameters say.</summary>
public sealed class TestFlowsTests
{
    [Test]
    public void Http_is_a_get_of_example_com_from_a_local_client_at_the_epoch()
    {
        var flow = TestFlows.Http();

        Assert.Multiple(() =>
        {
            Assert.That(flow.Request.Url, Is.EqualTo("http://example.com/path"));
            Assert.That(flow.Request.Method, Is.EqualTo("GET"));
            Assert.That(flow.Request.Headers.Select(h => $"{h.Name}: {h.Value}"), Is.EqualTo(new[] { "Host: example.com" }));
            Assert.That(flow.Request.Content, Is.Empty);
            Assert.That(flow.Response, Is.Null);
            Assert.That(flow.TimestampCreated, Is.EqualTo(TestFlows.Epoch));
            Assert.That(TestFlows.Epoch.ToUnixTimeSeconds(), Is.EqualTo(946681200));
            Assert.That(flow.Request.TimestampEnd, Is.EqualTo(TestFlows.Epoch.AddSeconds(1)));
            Assert.That(flow.Client.PeerName, Is.EqualTo(new HostPort("127.0.0.1", 22)));
            Assert.That(flow.Server.Address, Is.EqualTo(new HostPort("example.com", 80)));
            Assert.That(flow.Server.TlsEstablished, Is.False);
            Assert.That(flow.Live, Is.False);
        });
    }

    [Test]
    public void Http_takes_the_method_url_body_and_headers()
    {
        var flow = TestFlows.Http("POST", "https://api.example.com:8443/items?q=a%20b", "{\"a\":1}", ("Content-Type", "application/json"));

        Assert.Multiple(() =>
        {
            Assert.That(flow.Request.Url, Is.EqualTo("https://api.example.com:8443/items?q=a%20b"));
            Assert.That((flow.Request.Scheme, flow.Request.Host, flow.Request.Port, flow.Request.Path), Is.EqualTo(("https", "api.example.com", 8443, "/items?q=a%20b")));
            Assert.That(flow.Request.Headers.Select(h => $"{h.Name}: {h.Value}"), Is.EqualTo(new[] { "Host: api.example.com:8443", "Content-Length: 7", "Content-Type: application/json" }));
            Assert.That(flow.Request.Content, Is.EqualTo("{\"a\":1}"u8.ToArray()));
            Assert.That((flow.Client.TlsEstablished, flow.Server.TlsEstablished, flow.Server.Sni), Is.EqualTo((true, true, "api.example.com")));
            Assert.That(FlowFilter.Parse("~m POST & ~d api.example.com & ~h \"content-type: application/json\"").Matches(flow), Is.True);
        });
    }

    [Test]
    public void A_header_given_replaces_the_default_of_its_name()
    {
        var flow = TestFlows.Http("PUT", "http://example.com/", "abc", ("host", "other.example"), ("content-length", "99"));

        Assert.That(flow.Request.Headers.Select(h => $"{h.Name}: {h.Value}"), Is.EqualTo(new[] { "host: other.example", "content-length: 99" }));
    }

    [TestCase("example.com/path")]
    [TestCase("ftp://example.com/")]
    [TestCase("")]
    public void Http_refuses_a_url_that_is_not_absolute_http(string url)
    {
        Assert.That(() => TestFlows.Http("GET", url), Throws.ArgumentException.With.Message.Contains("is not an absolute http or https URL"));
    }

    [Test]
    public void WithResponse_gives_a_complete_response_after_the_request()
    {
        var flow = TestFlows.Http().WithResponse(404, "missing", ("Content-Type", "text/plain"));

        Assert.Multiple(() =>
        {
            Assert.That((flow.Response!.StatusCode, flow.Response.Reason), Is.EqualTo((404, "Not Found")));
            Assert.That(flow.Response.Headers.Select(h => $"{h.Name}: {h.Value}"), Is.EqualTo(new[] { "Content-Length: 7", "Content-Type: text/plain" }));
            Assert.That(flow.Response.Content, Is.EqualTo("missing"u8.ToArray()));
            Assert.That(flow.Response.TimestampStart, Is.GreaterThan(flow.Request.TimestampEnd!.Value));
            Assert.That(FlowFilter.Parse("~c 404 & ~bs missing").Matches(flow), Is.True);
            Assert.That(TestFlows.Http().WithResponse(204, [0xFF]).Response!.Content, Is.EqualTo(new byte[] { 0xFF }));
        });
    }

    [Test]
    public void WithError_gives_any_flow_an_error_and_the_kill_message_makes_it_killed()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TestFlows.Http().WithError().Error!.Message, Is.EqualTo("error"));
            Assert.That(TestFlows.Tcp().WithError("reset").Error!.Message, Is.EqualTo("reset"));
            Assert.That(TestFlows.Http().WithError(FlowError.KilledMessage).IsKilled, Is.True);
        });
    }

    [Test]
    public void WebSocket_has_the_upgrade_the_101_and_mitmproxys_three_messages()
    {
        var flow = TestFlows.WebSocket();

        Assert.Multiple(() =>
        {
            Assert.That(flow.Request.Headers["Upgrade"], Is.EqualTo("websocket"));
            Assert.That(flow.Response!.StatusCode, Is.EqualTo(101));
            Assert.That(flow.Response.Headers.Contains("Content-Length"), Is.False);
            Assert.That(flow.WebSocket!.Messages.Select(m => (m.FromClient, m.Type, m.Text)), Is.EqualTo(new[]
            {
                (true, WebSocketMessageType.Binary, "hello binary"),
                (true, WebSocketMessageType.Text, "hello text"),
                (false, WebSocketMessageType.Text, "it's me"),
            }));
            Assert.That(flow.WebSocket.CloseCode, Is.EqualTo(1000));
            Assert.That(TestFlows.WebSocket(messages: false).WithWebSocketMessage(false, "only").WebSocket!.Messages.Single().Text, Is.EqualTo("only"));
            Assert.That(() => TestFlows.Http().WithWebSocketMessage(true, "x"), Throws.InvalidOperationException.With.Message.Contains("is not a WebSocket"));
        });
    }

    [Test]
    public void Tcp_and_udp_flows_have_mitmproxys_two_messages_to_their_server()
    {
        var tcp = TestFlows.Tcp("[::1]:5432");
        var udp = TestFlows.Udp(messages: false).WithMessage(true, [1, 2, 3]);

        Assert.Multiple(() =>
        {
            Assert.That(tcp.Messages.Select(m => (m.FromClient, System.Text.Encoding.UTF8.GetString(m.Content))), Is.EqualTo(new[] { (true, "hello"), (false, "it's me") }));
            Assert.That(tcp.Messages[1].Timestamp, Is.GreaterThan(tcp.Messages[0].Timestamp));
            Assert.That(tcp.Server.Address, Is.EqualTo(new HostPort("::1", 5432)));
            Assert.That(udp.Server.Address, Is.EqualTo(new HostPort("example.com", 22)));
            Assert.That((udp.Client.TransportProtocol, udp.Server.TransportProtocol), Is.EqualTo(("udp", "udp")));
            Assert.That(udp.Messages.Single().Content, Is.EqualTo(new byte[] { 1, 2, 3 }));
            Assert.That(() => TestFlows.Tcp("example.com"), Throws.ArgumentException.With.Message.Contains("is not host:port"));
        });
    }

    [Test]
    public void Dns_is_a_query_that_WithResponse_answers()
    {
        var query = TestFlows.Dns("example.com", 28);
        var answered = TestFlows.Dns().WithResponse();
        var mine = TestFlows.Dns("example.com").WithResponse("192.0.2.7", "2001:db8::1");

        Assert.Multiple(() =>
        {
            Assert.That(query.Request.Questions.Single(), Is.EqualTo(new DnsQuestion("example.com", 28)));
            Assert.That(query.Response, Is.Null);
            Assert.That(answered.Response!.Answers.Select(a => string.Join(".", a.Data)), Is.EqualTo(new[] { "8.8.8.8", "8.8.4.4" }));
            Assert.That(answered.Response.Id, Is.EqualTo(answered.Request.Id));
            Assert.That(mine.Response!.Answers.Select(a => (a.Name, a.Type, a.Data.Length)), Is.EqualTo(new[] { ("example.com", 1, 4), ("example.com", 28, 16) }));
            Assert.That(FlowFilter.Parse("~dns & ~bs 8.8.4.4").Matches(answered), Is.True);
        });
    }
}
