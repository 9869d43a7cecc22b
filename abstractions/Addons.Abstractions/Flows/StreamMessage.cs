namespace Addons.Abstractions.Flows;

/// <summary>
/// One message of a TCP or UDP flow (mitmproxy's <c>TCPMessage</c> and <c>UDPMessage</c>, contract 1.3): a chunk of
/// the stream as it was received, or one datagram. Addons may change <see cref="Content"/> in <c>tcp_message</c> or
/// <c>udp_message</c>.
/// </summary>
public sealed class StreamMessage
{
    /// <summary>Whether the client sent it.</summary>
    public bool FromClient { get; set; }

    /// <summary>The bytes.</summary>
    public byte[] Content { get; set; } = [];

    /// <summary>When it was received.</summary>
    public DateTimeOffset Timestamp { get; set; }

    /// <summary>A deep copy of this message.</summary>
    public StreamMessage Clone() => new() { FromClient = FromClient, Content = Content.ToArray(), Timestamp = Timestamp };
}
