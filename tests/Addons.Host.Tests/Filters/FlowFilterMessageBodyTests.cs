using Addons.Abstractions.Flows;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>
/// <c>~b</c>, <c>~bq</c> and <c>~bs</c> on flows without an HTTP body: DNS messages, UDP datagrams and the WebSocket
/// messages of an HTTP flow. The expectations are mitmproxy's (8.1.1 run against its <c>tdnsflow</c>,
/// <c>tudpflow</c>-like and <c>twebsocketflow</c> flows, and upstream's test_flowfilter.py).
/// </summary>
public sealed class FlowFilterMessageBodyTests
{
    // mitmproxy matches str(message): the question names, then each record's data as text, joined by CRLF. The
    // request reads "dns.google"; the response "dns.google\r\n8.8.8.8\r\n8.8.4.4" (record names are not part of it).
    [TestCase("~b dns.google", true, true)]
    [TestCase("~b 8.8.8.8", true, false)]
    [TestCase("~b 8.8.4.4", true, false)]
    [TestCase("~b .", true, true)]
    [TestCase("~b nonexistent", false, false)]
    [TestCase("~bq dns.google", true, true)]
    [TestCase("~bq 8.8.8.8", false, false)]
    [TestCase("~bs dns.google", true, false)]
    [TestCase("~bs 8.8.8.8", true, false)]
    [TestCase("~bs ^dns\\.google\\r\\n8\\.8\\.8\\.8\\r\\n8\\.8\\.4\\.4$", true, false)]
    [TestCase("~bq ^dns\\.google$", true, true)]
    public void ADnsMessageIsMatchedAsItsText(string expression, bool withResponse, bool requestOnly)
    {
        var filter = FlowFilter.Parse(expression);

        Assert.Multiple(() =>
        {
            Assert.That(filter.Matches(DnsFlow(withResponse: true)), Is.EqualTo(withResponse), "with a response");
            Assert.That(filter.Matches(DnsFlow(withResponse: false)), Is.EqualTo(requestOnly), "request only");
        });
    }

    // Each record's data as mitmproxy's ResourceRecord.__str__ gives it (Python 3.11 for the IPv6 text).
    [TestCase(1, new byte[] { 1, 2, 3, 4 }, "~bs ^1\\.2\\.3\\.4$")]
    [TestCase(1, new byte[] { 1, 2, 3 }, "~bs \"^0x010203 \\\\(invalid A data\\\\)$\"")]
    [TestCase(28, new byte[] { 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, "~bs ^2001:db8::1$")]
    [TestCase(28, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4 }, "~bs ^::ffff:102:304$")]
    [TestCase(28, new byte[] { 0, 1, 0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7 }, "~bs ^1:0:2:3:4:5:6:7$")]
    [TestCase(28, new byte[] { 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3 }, "~bs ^1:0:0:2::3$")]
    [TestCase(28, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "~bs ^::$")]
    [TestCase(5, new byte[] { 5, (byte)'a', (byte)'l', (byte)'i', (byte)'a', (byte)'s', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 0 }, "~bs ^alias\\.example$")]
    [TestCase(5, new byte[] { 11, (byte)'x', (byte)'n', (byte)'-', (byte)'-', (byte)'c', (byte)'a', (byte)'f', (byte)'-', (byte)'d', (byte)'m', (byte)'a', 0 }, "~bs ^café$")]
    [TestCase(5, new byte[] { 5, (byte)'a', (byte)'l', (byte)'i', (byte)'a', (byte)'s', 0xc0, 0x0c }, "~bs \"^0x05616c696173c00c \\\\(invalid CNAME data\\\\)$\"")]
    [TestCase(12, new byte[] { 0 }, "~bs ^$")]
    [TestCase(16, new byte[] { 11, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o', (byte)' ', (byte)'w', (byte)'o', (byte)'r', (byte)'l', (byte)'d' }, "~bs ^\\x0bhello.world$")]
    [TestCase(16, new byte[] { 0xff, 0xfe }, "~bs \"^0xfffe \\\\(invalid TXT data\\\\)$\"")]
    [TestCase(15, new byte[] { 0, 10, 4, (byte)'m', (byte)'a', (byte)'i', (byte)'l', 0 }, "~bs ^0x000a046d61696c00$")]

    // An HTTPS record as upstream shows it (the str of its JSON dict); 8.1.1 showed its data as hex.
    [TestCase(65, new byte[] { 0, 1, 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 3, (byte)'c', (byte)'o', (byte)'m', 0, 0, 1, 0, 3, 2, (byte)'h', (byte)'2' }, "~bs \"^\\\\{'target_name': 'example\\\\.com', 'priority': 1, 'alpn': '..x02h2'\\\\}$\"")]
    public void ARecordIsMatchedByItsDataAsText(int type, byte[] data, string expression)
    {
        var flow = new DnsFlow
        {
            Request = new DnsMessage(),
            Response = new DnsMessage { Query = false, Answers = [new DnsResourceRecord("owner.example", type, 1, 60, data)] },
        };

        Assert.That(FlowFilter.Parse(expression).Matches(flow), Is.True);
    }

    [Test]
    public void ARecordsNameIsNotPartOfTheText()
    {
        var flow = new DnsFlow
        {
            Request = new DnsMessage(),
            Response = new DnsMessage { Query = false, Answers = [new DnsResourceRecord("owner.example", 1, 1, 60, [10, 0, 0, 1])] },
        };

        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.Parse("~bs owner").Matches(flow), Is.False);
            Assert.That(FlowFilter.Parse("~bs ^10\\.0\\.0\\.1$").Matches(flow), Is.True);
        });
    }

    // Upstream's test_flowfilter.py TestMatchingUDPFlow.test_body: client messages for ~bq, server messages for ~bs.
    [TestCase("~b hello", true)]
    [TestCase("~b me", true)]
    [TestCase("~b nonexistent", false)]
    [TestCase("~bq hello", true)]
    [TestCase("~bq me", false)]
    [TestCase("~bs me", true)]
    [TestCase("~bs hello", false)]
    public void UdpMessagesAreMatchedByTheirSide(string expression, bool expected)
    {
        Assert.That(FlowFilter.Parse(expression).Matches(TestFlows.Udp()), Is.EqualTo(expected));
    }

    // mitmproxy's twebsocketflow: the client sends "hello binary" and "hello text", the server "it's me"; the
    // handshake bodies are empty.
    [TestCase("~b hello", true)]
    [TestCase("~b me", true)]
    [TestCase("~b nonexistent", false)]
    [TestCase("~bq hello", true)]
    [TestCase("~bq me", false)]
    [TestCase("~bs me", true)]
    [TestCase("~bs hello", false)]
    [TestCase("~bq \"^hello text$\"", true)]
    public void WebSocketMessagesAreMatchedByTheirSide(string expression, bool expected)
    {
        var flow = TestFlows.RequestOnly();
        flow.Response = HttpResponse.Create(101, [], ("Upgrade", "websocket"));
        flow.WebSocket = new WebSocketData
        {
            Messages =
            [
                new WebSocketMessage { FromClient = true, Type = WebSocketMessageType.Binary, Content = "hello binary"u8.ToArray() },
                new WebSocketMessage { FromClient = true, Type = WebSocketMessageType.Text, Content = "hello text"u8.ToArray() },
                new WebSocketMessage { FromClient = false, Type = WebSocketMessageType.Text, Content = "it's me"u8.ToArray() },
            ],
        };

        Assert.That(FlowFilter.Parse(expression).Matches(flow), Is.EqualTo(expected));
    }

    /// <summary>mitmproxy's <c>tdnsflow</c>: a query for dns.google, answered with 8.8.8.8 and 8.8.4.4.</summary>
    private static DnsFlow DnsFlow(bool withResponse)
    {
        var question = new DnsQuestion("dns.google");
        return new DnsFlow
        {
            Request = new DnsMessage { Id = 42, RecursionDesired = true, Questions = [question] },
            Response = withResponse
                ? new DnsMessage
                {
                    Id = 42,
                    Query = false,
                    RecursionDesired = true,
                    RecursionAvailable = true,
                    Questions = [question],
                    Answers =
                    [
                        new DnsResourceRecord("dns.google", 1, 1, 32, [8, 8, 8, 8]),
                        new DnsResourceRecord("dns.google", 1, 1, 32, [8, 8, 4, 4]),
                    ],
                }
                : null,
        };
    }
}
