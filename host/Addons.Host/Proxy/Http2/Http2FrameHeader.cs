using System.Buffers.Binary;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The nine bytes that start every frame (RFC 9113 section 4.1): a 24-bit payload length, the type, the flags and a
/// 31-bit stream identifier after one reserved bit, which is ignored on receipt and sent as zero.
/// </summary>
internal readonly record struct Http2FrameHeader
{
    /// <summary>The size of a frame header on the wire.</summary>
    public const int Size = 9;

    /// <summary>The largest payload length the 24-bit field can carry (2^24-1).</summary>
    public const int MaxLength = 0xFFFFFF;

    private const int StreamIdMask = 0x7FFFFFFF;

    public Http2FrameHeader(int length, Http2FrameType type, Http2FrameFlags flags, int streamId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
        ArgumentOutOfRangeException.ThrowIfNegative(streamId);
        Length = length;
        Type = type;
        Flags = flags;
        StreamId = streamId;
    }

    /// <summary>The payload length, header excluded.</summary>
    public int Length { get; }

    /// <summary>The frame type; a value outside <see cref="Http2FrameType"/>'s names is an unknown type.</summary>
    public Http2FrameType Type { get; }

    /// <summary>The flags byte as received, undefined bits included (their meaning depends on <see cref="Type"/>).</summary>
    public Http2FrameFlags Flags { get; }

    /// <summary>The stream identifier with the reserved bit masked off; 0 is the connection itself.</summary>
    public int StreamId { get; }

    /// <summary>Whether the type is one RFC 9113 defines; other frames are ignored and discarded (section 5.5).</summary>
    public bool IsKnownType => Type <= Http2FrameType.Continuation;

    /// <summary>END_STREAM, meaningful on DATA and HEADERS.</summary>
    public bool IsEndStream => HasFlag(Http2FrameFlags.EndStream);

    /// <summary>ACK, meaningful on SETTINGS and PING.</summary>
    public bool IsAck => HasFlag(Http2FrameFlags.Ack);

    /// <summary>END_HEADERS, meaningful on HEADERS, PUSH_PROMISE and CONTINUATION.</summary>
    public bool IsEndHeaders => HasFlag(Http2FrameFlags.EndHeaders);

    /// <summary>Whether every bit of <paramref name="flag"/> is set.</summary>
    public bool HasFlag(Http2FrameFlags flag) => (Flags & flag) == flag;

    /// <summary>Reads a header from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    public static Http2FrameHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ArgumentException($"A frame header is {Size} bytes; only {source.Length} were given.", nameof(source));
        }

        var length = (source[0] << 16) | (source[1] << 8) | source[2];
        var streamId = BinaryPrimitives.ReadInt32BigEndian(source[5..]) & StreamIdMask;
        return new Http2FrameHeader(length, (Http2FrameType)source[3], (Http2FrameFlags)source[4], streamId);
    }

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"A frame header is {Size} bytes; only {destination.Length} are free.", nameof(destination));
        }

        destination[0] = (byte)(Length >> 16);
        destination[1] = (byte)(Length >> 8);
        destination[2] = (byte)Length;
        destination[3] = (byte)Type;
        destination[4] = (byte)Flags;
        BinaryPrimitives.WriteInt32BigEndian(destination[5..], StreamId); // non-negative, so the reserved bit is 0
    }
}
