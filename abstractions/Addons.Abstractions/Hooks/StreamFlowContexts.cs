using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Hooks;

/// <summary>The context of the TCP hooks (<c>tcp_start</c>, <c>tcp_message</c>, <c>tcp_end</c>, <c>tcp_error</c>; contract 1.3).</summary>
public sealed class TcpFlowContext(TcpFlow flow, CancellationToken cancellationToken) : HookContext(cancellationToken)
{
    /// <summary>The flow; a changed message is what the proxy sends on.</summary>
    public TcpFlow Flow { get; } = flow;
}

/// <summary>The context of the UDP hooks (<c>udp_start</c>, <c>udp_message</c>, <c>udp_end</c>, <c>udp_error</c>; contract 1.3).</summary>
public sealed class UdpFlowContext(UdpFlow flow, CancellationToken cancellationToken) : HookContext(cancellationToken)
{
    /// <summary>The flow; a changed datagram is what the proxy sends on.</summary>
    public UdpFlow Flow { get; } = flow;
}

/// <summary>The context of the DNS hooks (<c>dns_request</c>, <c>dns_response</c>, <c>dns_error</c>; contract 1.3).</summary>
public sealed class DnsFlowContext(DnsFlow flow, CancellationToken cancellationToken) : HookContext(cancellationToken)
{
    /// <summary>The flow; a response set in <c>dns_request</c> answers the client.</summary>
    public DnsFlow Flow { get; } = flow;
}
