namespace Addons.Host.Tests.Filters;

/// <summary>The hand-built flows the filter tests run against; see <see cref="TestFlows"/>.</summary>
public enum FlowKind
{
    RequestOnly,
    WithResponse,
    WithError,
    Marked,
    WebSocket,
    ReplayedRequest,
    ReplayedResponse,
    Gzip,
    Brotli,
    Deflate,
    RawDeflate,
    Zstd,
    BrokenGzip,
    GzipThenBrotli,
    Latin1,
    ReverseProxied,
    Ipv6,
    Connect,
    Http2,
    Http2Reverse,
    Tcp,
    Udp,
    Dns,
    DnsRequestOnly,
}
