using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Filters;

/// <summary><c>~t</c>, <c>~tq</c>, <c>~ts REGEX</c>: HTTP flows whose request or response Content-Type matches.</summary>
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

    private bool ContentTypeMatches(HttpMessage message) =>
        FlowText.TryGetHeader(message.Headers, "Content-Type", out var type) && regex.IsMatch(type);
}
