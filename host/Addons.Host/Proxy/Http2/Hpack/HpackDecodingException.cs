namespace Addons.Host.Proxy.Http2.Hpack;

/// <summary>
/// A header block broke RFC 7541. The connection's dynamic table can no longer be trusted, so the HTTP/2 layer answers
/// with a connection error of type COMPRESSION_ERROR (RFC 9113 section 4.3).
/// </summary>
internal sealed class HpackDecodingException(string message) : Exception(message);
