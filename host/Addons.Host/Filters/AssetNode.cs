using System.Buffers;
using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~a</c>: responses with a Content-Type field that names one of mitmproxy's asset types.</summary>
internal sealed class AssetNode : FilterNode
{
    // mitmproxy's ASSET_TYPES are bytes regexes compiled without IGNORECASE and searched in every Content-Type field of
    // the response; their ".*" tails can match nothing, so each is a case-sensitive substring ("IMAGE/PNG" is no asset).
    private static readonly SearchValues<string> AssetTypes = SearchValues.Create(
        ["text/javascript", "application/x-javascript", "application/javascript", "text/css", "image/", "font/", "application/font"],
        StringComparison.Ordinal);

    public override bool Matches(Flow flow)
    {
        if (flow is not HttpFlow { Response: { } response })
        {
            return false;
        }

        var headers = response.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var field = headers[i];
            if (FlowText.IsContentType(field.Name) && field.Value.AsSpan().ContainsAny(AssetTypes))
            {
                return true;
            }
        }

        return false;
    }

    public override string Describe() => "response is an asset";
}
