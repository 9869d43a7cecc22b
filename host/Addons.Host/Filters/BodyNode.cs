using System.Buffers;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary>
/// <c>~b</c>, <c>~bq</c>, <c>~bs REGEX</c>: HTTP flows whose decoded request or response body matches, or one of whose
/// WebSocket messages from that side (client for the request side, server for the response side) does; TCP and UDP
/// flows one of whose messages from that side does; DNS flows whose query or response, as text (<see cref="DnsText"/>),
/// does.
/// </summary>
internal sealed class BodyNode(MessageSide side, FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow)
    {
        switch (flow)
        {
            case StreamFlow stream:
                return MessagesMatch(stream.Messages);
            case DnsFlow dns:
                return (side != MessageSide.Response && DnsMessageMatches(dns.Request))
                    || (side != MessageSide.Request && dns.Response is { } dnsResponse && DnsMessageMatches(dnsResponse));
            case not HttpFlow:
                return false;
        }

        var http = (HttpFlow)flow;

        if (side != MessageSide.Response && BodyMatches(http.Request))
        {
            return true;
        }

        if (side != MessageSide.Request && http.Response is { } response && BodyMatches(response))
        {
            return true;
        }

        if (http.WebSocket is { } webSocket)
        {
            foreach (var message in webSocket.Messages)
            {
                var wanted = side == MessageSide.Either || message.FromClient == (side == MessageSide.Request);
                if (wanted && MessageMatches(message.Content))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public override string Describe() => side switch
    {
        MessageSide.Request => "request body matches ",
        MessageSide.Response => "response body matches ",
        _ => "body matches ",
    } + regex.Description;

    private bool BodyMatches(HttpMessage message) =>
        message.Content is not null && regex.IsMatchLatin1(BodyText.Decoded(message.Headers, message.Content));

    private bool MessageMatches(byte[] content) => regex.IsMatchLatin1(content);

    /// <summary>mitmproxy searches <c>str(message).encode()</c>: the message's text in UTF-8.</summary>
    private bool DnsMessageMatches(DnsMessage message)
    {
        var text = new PooledTextBuilder(stackalloc char[256]);
        byte[]? utf8 = null;
        try
        {
            DnsText.AppendMessage(message, ref text);
            utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
            var length = Encoding.UTF8.GetBytes(text.Text, utf8);
            return regex.IsMatchLatin1(utf8.AsSpan(0, length));
        }
        finally
        {
            text.Dispose();
            if (utf8 is not null)
            {
                ArrayPool<byte>.Shared.Return(utf8);
            }
        }
    }

    /// <summary>A TCP or UDP flow's messages from the side asked for (the client's for the request side).</summary>
    private bool MessagesMatch(List<StreamMessage> messages)
    {
        foreach (var message in messages)
        {
            if ((side == MessageSide.Either || message.FromClient == (side == MessageSide.Request)) && MessageMatches(message.Content))
            {
                return true;
            }
        }

        return false;
    }
}
