using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Filters;

/// <summary>
/// <c>~b</c>, <c>~bq</c>, <c>~bs REGEX</c>: HTTP flows whose decoded request or response body matches, or one of whose
/// WebSocket messages from that side (client for the request side, server for the response side) does; TCP and UDP
/// flows one of whose messages from that side does.
/// </summary>
internal sealed class BodyNode(MessageSide side, FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow)
    {
        switch (flow)
        {
            case StreamFlow stream:
                return MessagesMatch(stream.Messages);
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
