namespace Addons.Abstractions.Flows;

/// <summary>The kind of traffic a flow records. Only HTTP flows exist today; the others are reserved.</summary>
public enum FlowType
{
    /// <summary>An HTTP request/response exchange, possibly upgraded to WebSocket.</summary>
    Http,

    /// <summary>A raw TCP stream (reserved).</summary>
    Tcp,

    /// <summary>A UDP exchange (reserved).</summary>
    Udp,

    /// <summary>A DNS query and answer (reserved).</summary>
    Dns,
}
