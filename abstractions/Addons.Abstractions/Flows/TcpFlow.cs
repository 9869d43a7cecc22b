namespace Addons.Abstractions.Flows;

/// <summary>
/// A raw TCP connection passed through (mitmproxy's <c>TCPFlow</c>, contract 1.3): the messages each side sent, in
/// order. Its hooks are <c>tcp_start</c>, <c>tcp_message</c>, <c>tcp_end</c> and <c>tcp_error</c>.
/// </summary>
public sealed class TcpFlow : Flow
{
    /// <inheritdoc />
    public override FlowType Type => FlowType.Tcp;

    /// <summary>The messages, in the order they were received.</summary>
    public List<StreamMessage> Messages { get; set; } = [];

    /// <inheritdoc />
    public override TcpFlow Copy()
    {
        var copy = new TcpFlow { Messages = [.. Messages.Select(m => m.Clone())] };
        CopyTo(copy);
        return copy;
    }
}

/// <summary>
/// UDP datagrams between a client and a server (mitmproxy's <c>UDPFlow</c>, contract 1.3). Its hooks are
/// <c>udp_start</c>, <c>udp_message</c>, <c>udp_end</c> and <c>udp_error</c>.
/// </summary>
public sealed class UdpFlow : Flow
{
    /// <inheritdoc />
    public override FlowType Type => FlowType.Udp;

    /// <summary>The datagrams, in the order they were received.</summary>
    public List<StreamMessage> Messages { get; set; } = [];

    /// <inheritdoc />
    public override UdpFlow Copy()
    {
        var copy = new UdpFlow { Messages = [.. Messages.Select(m => m.Clone())] };
        CopyTo(copy);
        return copy;
    }
}
