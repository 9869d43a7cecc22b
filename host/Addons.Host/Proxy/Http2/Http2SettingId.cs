namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The SETTINGS parameters of RFC 9113 section 6.5.2, and ENABLE_CONNECT_PROTOCOL of RFC 8441 section 3. Any other
/// identifier is kept as its raw value and ignored (section 6.5.2).
/// </summary>
internal enum Http2SettingId : ushort
{
    /// <summary>SETTINGS_HEADER_TABLE_SIZE: the largest HPACK dynamic table the sender's decoder allows.</summary>
    HeaderTableSize = 0x1,

    /// <summary>SETTINGS_ENABLE_PUSH: whether the sender accepts PUSH_PROMISE (0 or 1).</summary>
    EnablePush = 0x2,

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS: how many streams the receiver may open towards the sender.</summary>
    MaxConcurrentStreams = 0x3,

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE: the sender's initial stream-level flow-control window.</summary>
    InitialWindowSize = 0x4,

    /// <summary>SETTINGS_MAX_FRAME_SIZE: the largest frame payload the sender accepts.</summary>
    MaxFrameSize = 0x5,

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE: advisory limit on the size of a field section the sender accepts.</summary>
    MaxHeaderListSize = 0x6,

    /// <summary>SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441): the sender accepts extended CONNECT (0 or 1).</summary>
    EnableConnectProtocol = 0x8,
}
