namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The flags byte of a frame header (RFC 9113 section 4.1). A flag's meaning depends on the frame type, so
/// <see cref="EndStream"/> and <see cref="Ack"/> share a bit; flags a frame type does not define are ignored on
/// receipt and never sent (section 4.1).
/// </summary>
[Flags]
internal enum Http2FrameFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0x0,

    /// <summary>END_STREAM on DATA and HEADERS (sections 6.1, 6.2): the sender's last frame on the stream.</summary>
    EndStream = 0x1,

    /// <summary>ACK on SETTINGS and PING (sections 6.5, 6.7): an acknowledgement, not a request.</summary>
#pragma warning disable CA1069 // The same bit means END_STREAM or ACK depending on the frame type (RFC 9113 section 4.1).
    Ack = 0x1,
#pragma warning restore CA1069

    /// <summary>END_HEADERS on HEADERS, PUSH_PROMISE and CONTINUATION (section 6.2): the field block is complete.</summary>
    EndHeaders = 0x4,

    /// <summary>PADDED on DATA, HEADERS and PUSH_PROMISE (section 6.1): a Pad Length byte and padding are present.</summary>
    Padded = 0x8,

    /// <summary>PRIORITY on HEADERS (section 6.2): the deprecated priority fields are present.</summary>
    Priority = 0x20,
}
