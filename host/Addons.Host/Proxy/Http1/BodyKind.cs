namespace Addons.Host.Proxy.Http1;

/// <summary>How a message's body is delimited on the wire (RFC 9112 section 6.3).</summary>
internal enum BodyKind
{
    None,
    ContentLength,
    Chunked,
    UntilClose,
}
