namespace Addons.Host.Proxy.Http1;

/// <summary>How the proxy delimits a body it sends.</summary>
internal enum OutgoingFraming
{
    /// <summary>No body and no framing field.</summary>
    None,

    /// <summary>A Content-Length field with the body's actual length.</summary>
    ContentLength,

    /// <summary>Transfer-Encoding: chunked, the body as one chunk, then the trailers.</summary>
    Chunked,

    /// <summary>The body runs until the proxy closes the connection.</summary>
    CloseDelimited,

    /// <summary>No body follows, but the framing fields stay as they were (a response to HEAD, a 304).</summary>
    HeadersOnly,
}
