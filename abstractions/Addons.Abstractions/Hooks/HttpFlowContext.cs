using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Hooks;

/// <summary>
/// The context of the HTTP hooks (<c>requestheaders</c>, <c>request</c>, <c>responseheaders</c>, <c>response</c>,
/// <c>error</c>, <c>http_connect</c>) and the WebSocket hooks.
/// </summary>
public sealed class HttpFlowContext(HttpFlow flow, CancellationToken cancellationToken) : HookContext(cancellationToken)
{
    /// <summary>The flow; changes to it are what the proxy sends on.</summary>
    public HttpFlow Flow { get; } = flow;
}
