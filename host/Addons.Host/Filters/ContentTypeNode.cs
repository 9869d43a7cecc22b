using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary>
/// <c>~t</c>, <c>~tq</c>, <c>~ts REGEX</c>: HTTP flows with a Content-Type field in the request or response that matches
/// (mitmproxy's <c>_check_content_type</c> searches every such field, an empty one included).
/// </summary>
internal sealed class ContentTypeNode(MessageSide side, FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow)
    {
        if (flow is not HttpFlow http)
        {
            return false;
        }

        return (side != MessageSide.Response && ContentTypeMatches(http.Request))
            || (side != MessageSide.Request && http.Response is { } response && ContentTypeMatches(response));
    }

    public override string Describe() => side switch
    {
        MessageSide.Request => "request content type matches ",
        MessageSide.Response => "response content type matches ",
        _ => "content type matches ",
    } + regex.Description;

    private bool ContentTypeMatches(HttpMessage message)
    {
        var headers = message.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var field = headers[i];
            if (FlowText.IsContentType(field.Name) && regex.IsMatch(field.Value))
            {
                return true;
            }
        }

        return false;
    }
}
