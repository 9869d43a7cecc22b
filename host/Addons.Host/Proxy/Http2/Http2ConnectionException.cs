namespace Addons.Host.Proxy.Http2;

/// <summary>
/// A connection error (RFC 9113 section 5.4.1): the endpoint sends GOAWAY with <see cref="ErrorCode"/> and closes the
/// connection, since the peer's state can no longer be trusted.
/// </summary>
internal sealed class Http2ConnectionException(Http2ErrorCode code, string message) : Exception(message)
{
    public Http2ErrorCode ErrorCode { get; } = code;
}
