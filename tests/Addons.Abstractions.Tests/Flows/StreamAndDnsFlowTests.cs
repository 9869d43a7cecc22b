using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Tests.Flows;

/// <summary>TCP, UDP and DNS flows copy as HTTP flows do: a new id, not live, nothing shared.</summary>
public sealed class StreamAndDnsFlowTests
{
    [Test]
    public void A_copied_tcp_or_udp_flow_has_a_new_id_and_messages_of_its_own()
    {
        foreach (StreamFlow flow in new StreamFlow[] { new TcpFlow(), new UdpFlow() })
        {
            flow.Messages.Add(new StreamMessage { FromClient = true, Content = "hello"u8.ToArray() });
            flow.Marked = ":default:";
            flow.Live = true;

            var copy = (StreamFlow)flow.Copy();
            copy.Messages[0].Content[0] = (byte)'j';
            copy.Messages.Add(new StreamMessage());

            Assert.That(copy.GetType(), Is.EqualTo(flow.GetType()));
            Assert.That(copy.Id, Is.Not.EqualTo(flow.Id));
            Assert.That(copy.Live, Is.False);
            Assert.That(copy.Marked, Is.EqualTo(":default:"));
            Assert.That(flow.Messages, Has.Count.EqualTo(1));
            Assert.That(flow.Messages[0].Content, Is.EqualTo("hello"u8.ToArray()));
        }
    }

    [Test]
    public void A_copied_dns_flow_shares_no_record_data_and_names_its_operation_and_size()
    {
        var flow = new DnsFlow
        {
            Request = new DnsMessage { OpCode = 5, Questions = [new DnsQuestion("example.com", 28)] },
            Response = new DnsMessage { Query = false, Answers = [new DnsResourceRecord("example.com", 28, 1, 60, new byte[16])], Additionals = [new DnsResourceRecord("ns", 1, 1, 60, [1, 2, 3, 4])] },
        };

        var copy = flow.Copy();
        copy.Response!.Answers[0].Data[0] = 0xFF;

        Assert.That(copy.Id, Is.Not.EqualTo(flow.Id));
        Assert.That(flow.Response!.Answers[0].Data[0], Is.Zero);
        Assert.That((flow.Request.OpCodeName, new DnsMessage { OpCode = 9 }.OpCodeName), Is.EqualTo(("UPDATE", "OPCODE(9)")));
        Assert.That(flow.Response.RecordDataLength, Is.EqualTo(20));
    }
}
