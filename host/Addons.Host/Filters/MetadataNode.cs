using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~meta REGEX</c>: flows whose metadata, as <c>key: value</c> lines, matches.</summary>
internal sealed class MetadataNode(FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow)
    {
        var text = new PooledTextBuilder(stackalloc char[256]);
        try
        {
            var first = true;
            foreach (var (key, value) in flow.Metadata)
            {
                if (!first)
                {
                    text.Append('\n');
                }

                first = false;
                text.Append(key);
                text.Append(": ");
                text.Append(value);
            }

            return regex.IsMatch(text.Text);
        }
        finally
        {
            text.Dispose();
        }
    }

    public override string Describe() => "metadata matches " + regex.Description;
}
