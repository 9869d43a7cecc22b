namespace Addons.Abstractions.Flows;

/// <summary>The kind of traffic a flow records.</summary>
public enum FlowType
{
    /// <summary>An HTTP request/response exchange, possibly upgraded to WebSocket.</summary>
    Http,

    /// <summary>A raw TCP stream (<see cref="TcpFlow"/>, contract 1.3).</summary>
    Tcp,

    /// <summary>A UDP exchange (<see cref="UdpFlow"/>, contract 1.3).</summary>
    Udp,

    /// <summary>A DNS query and answer (<see cref="DnsFlow"/>, contract 1.3).</summary>
    Dns,
}
