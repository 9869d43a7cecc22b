namespace Addons.Host.Proxy.Http2;

/// <summary>
/// A stream error (RFC 9113 section 5.4.2): the endpoint sends RST_STREAM with <see cref="ErrorCode"/> on
/// <see cref="StreamId"/> and the connection carries on.
/// </summary>
internal sealed class Http2StreamException(int streamId, Http2ErrorCode code, string message) : Exception(message)
{
    public int StreamId { get; } = streamId;

    public Http2ErrorCode ErrorCode { get; } = code;
}
