namespace Addons.Host.Proxy.Http1;

/// <summary>The sizes beyond which the proxy refuses a message instead of buffering it (RFC 9112 section 2.3, 5).</summary>
internal sealed record HttpLimits
{
    /// <summary>The longest request line (414) or status line.</summary>
    public int MaxStartLine { get; init; } = 8 * 1024;

    /// <summary>The largest header section, start line excluded (431).</summary>
    public int MaxHeaderBytes { get; init; } = 64 * 1024;

    /// <summary>The most header fields (431).</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>The longest chunk-size line, extensions included.</summary>
    public int MaxChunkLine { get; init; } = 4 * 1024;

    /// <summary>The largest body the proxy buffers; larger ones need streaming.</summary>
    public long MaxBufferedBody { get; init; } = 1L << 30;
}
