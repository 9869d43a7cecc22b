namespace Addons.Abstractions.Flows;

/// <summary>
/// mitmproxy's flow markers (<see cref="Flow.Marked"/>): empty for an unmarked flow, otherwise <see cref="Default"/>,
/// a single letter or digit, or an emoji name between colons such as <c>:grapes:</c> (GitHub's names, as mitmproxy uses).
/// A marker is a string the contract carries as it is; which emoji names there are, and the glyph each shows as, is the
/// View's (<c>flow.mark</c> refuses a name it does not know).
/// </summary>
public static class Marker
{
    /// <summary>The marker <c>flow.mark</c> sets when none is named.</summary>
    public const string Default = ":default:";
}
