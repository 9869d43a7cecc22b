namespace Addons.Abstractions.Flows;

/// <summary>A flow of raw messages between client and server, a TCP connection's or a UDP exchange's (contract 1.3).</summary>
public abstract class StreamFlow : Flow
{
    /// <summary>The messages, in the order they were received.</summary>
    public List<StreamMessage> Messages { get; set; } = [];

    /// <summary>Copies the common fields and deep copies of the messages into <paramref name="target"/>.</summary>
    protected T CopyStreamTo<T>(T target)
        where T : StreamFlow
    {
        target.Messages = [.. Messages.Select(m => m.Clone())];
        base.CopyTo(target);
        return target;
    }
}

/// <summary>
/// A raw TCP connection passed through (mitmproxy's <c>TCPFlow</c>, contract 1.3): the messages each side sent, in
/// order. Its hooks are <c>tcp_start</c>, <c>tcp_message</c>, <c>tcp_end</c> and <c>tcp_error</c>.
/// </summary>
public sealed class TcpFlow : StreamFlow
{
    /// <inheritdoc />
    public override FlowType Type => FlowType.Tcp;

    /// <inheritdoc />
    public override TcpFlow Copy() => CopyStreamTo(new TcpFlow());
}

/// <summary>
/// UDP datagrams between a client and a server (mitmproxy's <c>UDPFlow</c>, contract 1.3). Its hooks are
/// <c>udp_start</c>, <c>udp_message</c>, <c>udp_end</c> and <c>udp_error</c>.
/// </summary>
public sealed class UdpFlow : StreamFlow
{
    /// <inheritdoc />
    public override FlowType Type => FlowType.Udp;

    /// <inheritdoc />
    public override UdpFlow Copy() => CopyStreamTo(new UdpFlow());
}
