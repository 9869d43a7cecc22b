namespace Addons.Abstractions.Flows;

/// <summary>Which side of a flow was replayed, as mitmproxy's <c>is_replay</c>.</summary>
public enum ReplayKind
{
    /// <summary>The flow is live traffic.</summary>
    None,

    /// <summary>The request was replayed to the server (client replay).</summary>
    Request,

    /// <summary>The response was served from a recording (server replay).</summary>
    Response,
}
