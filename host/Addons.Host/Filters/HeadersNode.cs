using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

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
        // A literal without ':', ' ', CR or LF cannot span the "name: value\r\n" joints: it matches the block where it
        // is in one name or one value, which are searched where they lie instead of copied into a block.
        if (regex.PlainLiteral is { } literal && literal.AsSpan().IndexOfAny(": \r\n") < 0)
        {
            for (var i = 0; i < headers.Count; i++)
            {
                var field = headers[i];
                if (field.Name.Contains(literal, StringComparison.OrdinalIgnoreCase) || field.Value.Contains(literal, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

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
