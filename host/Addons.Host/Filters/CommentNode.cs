using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~comment REGEX</c>: flows whose comment matches.</summary>
internal sealed class CommentNode(FilterRegex regex) : FilterNode
{
    public override bool Matches(Flow flow) => regex.IsMatch(flow.Comment);

    public override string Describe() => "comment matches " + regex.Description;
}
