namespace Addons.Host.Proxy.Http2;

/// <summary>
/// What this proxy announces to an HTTP/2 peer and the bounds it holds the peer to, so that no peer can make it hold
/// unbounded memory or work (RFC 9113 section 10.5).
/// </summary>
internal sealed record Http2Limits
{
    /// <summary>SETTINGS_MAX_CONCURRENT_STREAMS: streams a client may have open at once; more are refused (REFUSED_STREAM).</summary>
    public int MaxConcurrentStreams { get; init; } = 100;

    /// <summary>SETTINGS_INITIAL_WINDOW_SIZE: how much request body one stream may send before we read it.</summary>
    public int InitialStreamWindow { get; init; } = 1 << 20;

    /// <summary>The connection's receive window (raised from 65,535 by a WINDOW_UPDATE at start): bounds what all streams buffer together.</summary>
    public int ConnectionWindow { get; init; } = 1 << 24;

    /// <summary>SETTINGS_MAX_HEADER_LIST_SIZE: decoded header list size, as RFC 9113 section 6.5.2 counts it (431 beyond).</summary>
    public int MaxHeaderListSize { get; init; } = 64 * 1024;

    /// <summary>The largest encoded header block (HEADERS and its CONTINUATIONs) read before the connection is closed.</summary>
    public int MaxHeaderBlockBytes { get; init; } = 128 * 1024;

    /// <summary>The most CONTINUATION frames one header block may take (the 2024 CONTINUATION flood).</summary>
    public int MaxContinuationFrames { get; init; } = 32;

    /// <summary>Streams a client may reset within one second before the connection is closed (CVE-2023-44487).</summary>
    public int MaxResetsPerSecond { get; init; } = 100;
}
