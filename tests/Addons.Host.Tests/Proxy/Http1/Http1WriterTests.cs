using System.Buffers;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http1;

namespace Addons.Host.Tests.Proxy.Http1;

public sealed class Http1WriterTests
{
    [TestCase("close", "close", true)]
    [TestCase("keep-alive, Close", "close", true)]
    [TestCase(" Upgrade ,keep-alive", "upgrade", true)]
    [TestCase("keep-alive", "close", false)]
    [TestCase("closed", "close", false)]
    [TestCase("", "close", false)]
    public void ConnectionOptionsAreFoundAmongTheTokens(string connection, string option, bool found)
    {
        var headers = new HttpHeaders(("Host", "a"), ("Connection", connection));

        Assert.That(Http1Writer.HasConnectionOption(headers, option), Is.EqualTo(found));
    }

    [Test]
    public void ProxyConnectionCountsAsConnection()
    {
        Assert.That(Http1Writer.HasConnectionOption(new HttpHeaders(("Proxy-Connection", "Close")), "close"), Is.True);
    }

    [Test]
    public void FieldsNamedByConnectionAreDroppedAndOthersKept()
    {
        var response = new HttpResponse
        {
            StatusCode = 200,
            Reason = "OK",
            HttpVersion = "HTTP/1.1",
            Headers = new HttpHeaders(
                ("Connection", "keep-alive, X-Hop"), ("X-Hop", "1"), ("Keep-Alive", "timeout=5"), ("X-End", "2"), ("Content-Length", "0")),
            Content = [],
        };
        var output = new ArrayBufferWriter<byte>();

        Http1Writer.WriteResponseHead(output, response, OutgoingFraming.ContentLength, 0, upgrade: false, close: false);

        Assert.That(Encoding.Latin1.GetString(output.WrittenSpan), Is.EqualTo("HTTP/1.1 200 OK\r\nX-End: 2\r\nContent-Length: 0\r\n\r\n"));
    }

    [Test]
    public void KeepAliveIsNotAFieldToDropButOtherTokensAre()
    {
        var tokens = Http1Writer.ConnectionTokens(new HttpHeaders(("Connection", "keep-alive"), ("Connection", " X-A , close,")));

        Assert.That(tokens, Is.EquivalentTo(new[] { "X-A", "close" }));
        Assert.That(Http1Writer.ConnectionTokens(new HttpHeaders(("Connection", "Keep-Alive"))), Is.Empty);
    }
}
