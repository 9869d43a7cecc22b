namespace Addons.Host.Proxy.Http2;

/// <summary>
/// The SETTINGS parameters one endpoint announced, starting from the initial values of RFC 9113 section 6.5.2 and
/// changed only through <see cref="Apply(Http2SettingId, uint)"/>, which validates them. Values that cannot exceed what
/// this process could ever use (table size, stream count, header list size) are capped at <see cref="int.MaxValue"/>.
/// </summary>
internal sealed class Http2Settings
{
    public const int DefaultHeaderTableSize = 4096;
    public const int DefaultInitialWindowSize = 65535;

    /// <summary>The initial SETTINGS_MAX_FRAME_SIZE, and the smallest allowed (2^14).</summary>
    public const int DefaultMaxFrameSize = 16384;

    /// <summary>The largest SETTINGS_MAX_FRAME_SIZE allowed (2^24-1).</summary>
    public const int MaxFrameSizeLimit = 16777215;

    /// <summary>The largest flow-control window (2^31-1, section 6.9.1).</summary>
    public const int MaxWindowSize = int.MaxValue;

    private readonly bool _sentByServer;

    /// <param name="sentByServer">
    /// Whether these are a server's settings, as a client sees them: a server may not enable push (section 6.5.2).
    /// </param>
    public Http2Settings(bool sentByServer = false) => _sentByServer = sentByServer;

    /// <summary>SETTINGS_HEADER_TABLE_SIZE: the largest HPACK dynamic table this endpoint's decoder allows.</summary>
    public int HeaderTableSize { get; private set; } = DefaultHeaderTableSize;

    /// <summary>SETTINGS_ENABLE_PUSH; initially true, which for a server means nothing (section 6.5.2).</summary>
    public bool EnablePush { get; private set; } = true;

    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS; unlimited (<see cref="int.MaxValue"/>) until announced.</summary>
    public int MaxConcurrentStreams { get; private set; } = int.MaxValue;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE: the initial send window of every stream towards this endpoint.</summary>
    public int InitialWindowSize { get; private set; } = DefaultInitialWindowSize;

    /// <summary>SETTINGS_MAX_FRAME_SIZE: the largest frame payload this endpoint accepts.</summary>
    public int MaxFrameSize { get; private set; } = DefaultMaxFrameSize;

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE; unlimited (<see cref="int.MaxValue"/>) until announced.</summary>
    public int MaxHeaderListSize { get; private set; } = int.MaxValue;

    /// <summary>SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 section 3): extended CONNECT is accepted.</summary>
    public bool EnableConnectProtocol { get; private set; }

    /// <summary>
    /// Applies every parameter of a SETTINGS frame in order (section 6.5.3) and returns how much
    /// <see cref="InitialWindowSize"/> changed in total, by which the connection adjusts the send window of every open
    /// stream (section 6.9.2); 0 when it did not change.
    /// </summary>
    public int Apply(Http2SettingsPayload settings)
    {
        var delta = 0;
        foreach (var setting in settings)
        {
            // The partial sums telescope to (current - original), both in [0, 2^31-1], so this cannot overflow.
            delta += Apply(setting.Id, setting.Value);
        }

        return delta;
    }

    /// <inheritdoc cref="Apply(Http2SettingId, uint)"/>
    public int Apply(Http2Setting setting) => Apply(setting.Id, setting.Value);

    /// <summary>
    /// Applies one parameter, validated per section 6.5.2, and returns the change of <see cref="InitialWindowSize"/>
    /// (new minus old; 0 for any other parameter). Unknown identifiers are ignored (section 6.5.2).
    /// </summary>
    public int Apply(Http2SettingId id, uint value)
    {
        switch (id)
        {
            case Http2SettingId.HeaderTableSize:
                HeaderTableSize = Cap(value);
                return 0;

            case Http2SettingId.EnablePush:
                if (value > 1)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                        $"SETTINGS_ENABLE_PUSH of {value}; it must be 0 or 1 (RFC 9113 section 6.5.2).");
                }

                if (value == 1 && _sentByServer)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                        "SETTINGS_ENABLE_PUSH of 1 from a server; a server may only send 0 (RFC 9113 section 6.5.2).");
                }

                EnablePush = value == 1;
                return 0;

            case Http2SettingId.MaxConcurrentStreams:
                MaxConcurrentStreams = Cap(value);
                return 0;

            case Http2SettingId.InitialWindowSize:
                if (value > MaxWindowSize)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.FlowControlError,
                        $"SETTINGS_INITIAL_WINDOW_SIZE of {value} exceeds the largest window, 2^31-1 (RFC 9113 section 6.5.2).");
                }

                var delta = (int)value - InitialWindowSize;
                InitialWindowSize = (int)value;
                return delta;

            case Http2SettingId.MaxFrameSize:
                if (value is < DefaultMaxFrameSize or > MaxFrameSizeLimit)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                        $"SETTINGS_MAX_FRAME_SIZE of {value} is outside 16384 to 16777215 (RFC 9113 section 6.5.2).");
                }

                MaxFrameSize = (int)value;
                return 0;

            case Http2SettingId.MaxHeaderListSize:
                MaxHeaderListSize = Cap(value);
                return 0;

            case Http2SettingId.EnableConnectProtocol:
                if (value > 1)
                {
                    throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                        $"SETTINGS_ENABLE_CONNECT_PROTOCOL of {value}; it must be 0 or 1 (RFC 8441 section 3).");
                }

                EnableConnectProtocol = value == 1;
                return 0;

            default:
                return 0;
        }
    }

    private static int Cap(uint value) => value > int.MaxValue ? int.MaxValue : (int)value;
}
