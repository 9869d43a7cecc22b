using Addons.Abstractions.Flows;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>
/// A record's text as <c>~b</c> on a DNS flow reads it. The expectations were printed by mitmproxy 8.1.1's
/// <c>str(ResourceRecord)</c> on Python 3.11, and for HTTPS records by upstream's <c>_data_json</c> logic
/// (<c>str(https_records.unpack(data).to_json())</c>) run over the same bytes.
/// </summary>
public sealed class DnsTextTests
{
    [TestCase(1, "08080808", "8.8.8.8")]
    [TestCase(1, "", "0x (invalid A data)")]
    [TestCase(1, "0000000000", "0x0000000000 (invalid A data)")]
    [TestCase(28, "20010db8000000000000000000000001", "2001:db8::1")]
    [TestCase(28, "00000000000000000000000000000001", "::1")]
    [TestCase(28, "00010000000000000000000000000000", "1::")]
    [TestCase(28, "00010000000000020000000000030004", "1::2:0:0:3:4")]
    [TestCase(28, "00000000000000000000ffff01020304", "::ffff:102:304")]
    [TestCase(28, "fe80000000000000abcd000000000001", "fe80::abcd:0:0:1")]
    [TestCase(28, "00000000", "0x00000000 (invalid AAAA data)")]
    [TestCase(5, "0b584e2d2d6361662d646d6100", "XN--caf-dma")]
    [TestCase(5, "0b786e2d2d4341462d444d4100", "CAFé")]
    [TestCase(5, "07786e2d2d61626300", "0x07786e2d2d61626300 (invalid CNAME data)")]
    [TestCase(5, "07786e2d2d7a636100", "0x07786e2d2d7a636100 (invalid CNAME data)")]
    [TestCase(5, "18786e2d2d6361662d646d612e786e2d2d6361662d646d612e00", "café.café.")]
    [TestCase(5, "0d612e786e2d2d6361662d646d6100", "a.café")]
    [TestCase(5, "04786e2d2d00", "0x04786e2d2d00 (invalid CNAME data)")]
    [TestCase(5, "08786e2d2d6c73386800", "💩")]
    [TestCase(5, "0b786e2d2d6361662d646d61074558414d504c4500", "café.EXAMPLE")]
    [TestCase(5, "0a786e2d2d34636130627300", "äöü")]
    [TestCase(5, "0c786e2d2d612d6563702e727500", "0x0c786e2d2d612d6563702e727500 (invalid CNAME data)")]
    [TestCase(5, "0a786e2d2d6d786163326300", "0x0a786e2d2d6d786163326300 (invalid CNAME data)")]
    [TestCase(5, "07786e2d2d31756700", "0x07786e2d2d31756700 (invalid CNAME data)")]
    [TestCase(2, "05616ce9617300", "0x05616ce9617300 (invalid NS data)")]
    [TestCase(12, "", "0x (invalid PTR data)")]
    [TestCase(12, "00", "")]
    [TestCase(12, "0000", "0x0000 (invalid PTR data)")]
    [TestCase(12, "406161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616100", "0x406161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616161616100 (invalid PTR data)")]
    [TestCase(12, "03616263", "0x03616263 (invalid PTR data)")]
    [TestCase(12, "056162", "0x056162 (invalid PTR data)")]
    [TestCase(16, "0b68656c6c6f20776f726c64", "\u000bhello world")]
    [TestCase(16, "ff", "0xff (invalid TXT data)")]
    [TestCase(16, "05636166c3a9", "\u0005café")]
    [TestCase(16, "", "")]
    [TestCase(16, "eda080", "0xeda080 (invalid TXT data)")]
    [TestCase(15, "000a046d61696c00", "0x000a046d61696c00")]
    [TestCase(99, "", "0x")]
    public void ARecordReadsAsMitmproxyPrintsIt(int type, string hex, string expected)
    {
        Assert.That(Text(type, hex), Is.EqualTo(expected));
    }

    [TestCase("0001076578616d706c6503636f6d0000010003026832", "{'target_name': 'example.com', 'priority': 1, 'alpn': '\\\\x02h2'}")]
    [TestCase("000100", "{'target_name': '', 'priority': 1}")]
    [TestCase("ffff000003000201bb00070003612762000700012200010000", "{'target_name': '', 'priority': -1, 'port': '\\\\x01\\\\xbb', 7: '\"', 'alpn': ''}")]
    [TestCase("0001000004000401020304000500025c0a", "{'target_name': '', 'priority': 1, 'ipv4hint': '\\\\x01\\\\x02\\\\x03\\\\x04', 'ech': '\\\\\\\\\\\\n'}")]
    [TestCase("0001000001000461272262", "{'target_name': '', 'priority': 1, 'alpn': 'a\\'\"b'}")]
    [TestCase("00010000010003612762", "{'target_name': '', 'priority': 1, 'alpn': \"a'b\"}")]
    [TestCase("00", "0x00 (invalid HTTPS data)")]
    [TestCase("0001076578616d706c6503636f6d", "0x0001076578616d706c6503636f6d (invalid HTTPS data)")]
    [TestCase("00010000010005", "0x00010000010005 (invalid HTTPS data)")]
    [TestCase("00010000", "0x00010000 (invalid HTTPS data)")]
    [TestCase("00020b786e2d2d6361662d646d6100", "{'target_name': 'café', 'priority': 2}")]
    [TestCase("0002046974277300", "{'target_name': \"it's\", 'priority': 2}")]
    public void AnHttpsRecordReadsAsUpstreamPrintsIt(string hex, string expected)
    {
        Assert.That(Text(65, hex), Is.EqualTo(expected));
    }

    [Test]
    public void AMessageIsItsQuestionsThenItsRecordsOnePerLine()
    {
        var message = new DnsMessage
        {
            Questions = [new DnsQuestion("example.com"), new DnsQuestion("example.net", 28)],
            Answers = [new DnsResourceRecord("example.com", 1, 1, 60, [192, 0, 2, 1])],
            Authorities = [new DnsResourceRecord("com", 2, 1, 60, [2, (byte)'n', (byte)'s', 3, (byte)'c', (byte)'o', (byte)'m', 0])],
            Additionals = [new DnsResourceRecord("ns.com", 16, 1, 60, "\u0003txt"u8.ToArray())],
        };
        var text = new PooledTextBuilder(8);
        try
        {
            DnsText.AppendMessage(message, ref text);

            Assert.That(text.Text.ToString(), Is.EqualTo("example.com\r\nexample.net\r\n192.0.2.1\r\nns.com\r\n\u0003txt"));
        }
        finally
        {
            text.Dispose();
        }
    }

    private static string Text(int type, string hex)
    {
        var text = new PooledTextBuilder(4);
        try
        {
            DnsText.AppendRecordData(new DnsResourceRecord("owner.example", type, 1, 60, Convert.FromHexString(hex)), ref text);
            return text.Text.ToString();
        }
        finally
        {
            text.Dispose();
        }
    }
}
