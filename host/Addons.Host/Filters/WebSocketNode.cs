using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~websocket</c>: HTTP flows upgraded to a WebSocket.</summary>
internal sealed class WebSocketNode : FilterNode
{
    public override bool Matches(Flow flow) => flow is HttpFlow { WebSocket: not null };

    public override string Describe() => "has a WebSocket";
}
