namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The frame types of RFC 9113 section 6. The type is a byte on the wire and any byte is representable: a frame of
/// an unknown type keeps its raw value (cast it to byte), and is ignored and discarded (section 4.1, section 5.5).
/// </summary>
internal enum Http2FrameType : byte
{
    /// <summary>DATA (section 6.1): a stream's content.</summary>
    Data = 0x0,

    /// <summary>HEADERS (section 6.2): opens a stream and carries a field block fragment.</summary>
    Headers = 0x1,

    /// <summary>PRIORITY (section 6.3): deprecated priority signal, parsed only to be validated and ignored.</summary>
    Priority = 0x2,

    /// <summary>RST_STREAM (section 6.4): ends a stream with an error code.</summary>
    RstStream = 0x3,

    /// <summary>SETTINGS (section 6.5): configuration of the sender, or the acknowledgement of the peer's.</summary>
    Settings = 0x4,

    /// <summary>PUSH_PROMISE (section 6.6): server push, never accepted by this proxy.</summary>
    PushPromise = 0x5,

    /// <summary>PING (section 6.7): eight opaque bytes echoed back with ACK.</summary>
    Ping = 0x6,

    /// <summary>GOAWAY (section 6.8): the sender stops accepting new streams.</summary>
    GoAway = 0x7,

    /// <summary>WINDOW_UPDATE (section 6.9): flow-control credit for a stream or the connection.</summary>
    WindowUpdate = 0x8,

    /// <summary>CONTINUATION (section 6.10): the rest of a field block begun by HEADERS or PUSH_PROMISE.</summary>
    Continuation = 0x9,
}
