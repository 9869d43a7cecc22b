using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Filters;

/// <summary><c>~h</c>, <c>~hq</c>, <c>~hs REGEX</c>: HTTP flows whose request or response header block matches.</summary>
internal sealed class HeadersNode(MessageSide side, FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow)
    {
        if (flow is not HttpFlow http)
        {
            return false;
        }

        return (side != MessageSide.Response && HeadersMatch(http.Request.Headers))
            || (side != MessageSide.Request && http.Response is { } response && HeadersMatch(response.Headers));
    }

    public override string Describe() => side switch
    {
        MessageSide.Request => "request headers match ",
        MessageSide.Response => "response headers match ",
        _ => "headers match ",
    } + regex.Description;

    private bool HeadersMatch(HttpHeaders headers)
    {
        var block = new PooledTextBuilder(stackalloc char[512]);
        try
        {
            FlowText.AppendHeaderBlock(headers, ref block);
            return regex.IsMatch(block.Text);
        }
        finally
        {
            block.Dispose();
        }
    }
}
