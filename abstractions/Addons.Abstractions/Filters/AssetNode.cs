using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Filters;

/// <summary><c>~a</c>: responses whose Content-Type names a script, style sheet, image or font.</summary>
internal sealed class AssetNode : FilterNode
{
    public override bool Matches(Flow flow)
    {
        if (flow is not HttpFlow { Response: { } response } || !FlowText.TryGetHeader(response.Headers, "Content-Type", out var type))
        {
            return false;
        }

        // Searched anywhere in the value, as mitmproxy's unanchored patterns are; media types are case-insensitive.
        return type.Contains("text/javascript", StringComparison.OrdinalIgnoreCase)
            || type.Contains("application/x-javascript", StringComparison.OrdinalIgnoreCase)
            || type.Contains("application/javascript", StringComparison.OrdinalIgnoreCase)
            || type.Contains("text/css", StringComparison.OrdinalIgnoreCase)
            || type.Contains("image/", StringComparison.OrdinalIgnoreCase)
            || type.Contains("font/", StringComparison.OrdinalIgnoreCase)
            || type.Contains("application/font", StringComparison.OrdinalIgnoreCase);
    }

    public override string Describe() => "response is an asset";
}
