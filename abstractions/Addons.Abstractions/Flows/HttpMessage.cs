using System.Text;

namespace Addons.Abstractions.Flows;

/// <summary>What HTTP requests and responses share: version, headers, body, trailers and timestamps.</summary>
public abstract class HttpMessage
{
    /// <summary>The protocol version as on the wire, such as <c>HTTP/1.1</c>.</summary>
    public string HttpVersion { get; set; } = "HTTP/1.1";

    /// <summary>The header fields in wire order, with case and duplicates.</summary>
    public HttpHeaders Headers { get; set; } = new();

    /// <summary>
    /// The body as received, still content-encoded (gzip, br...); <c>null</c> when the body was streamed rather than
    /// stored, empty when there was none.
    /// </summary>
    public byte[]? Content { get; set; }

    /// <summary>
    /// Whether the body is streamed through the proxy instead of stored (then <see cref="Content"/> stays <c>null</c>).
    /// Set it in <c>requestheaders</c> or <c>responseheaders</c>; the proxy also sets it for bodies larger than the
    /// <c>stream_large_bodies</c> option. Hooks after the body (<c>request</c>, <c>response</c>) run once it has passed.
    /// </summary>
    public bool Stream { get; set; }

    /// <summary>Trailer fields after a chunked body, or <c>null</c> when there were none.</summary>
    public HttpHeaders? Trailers { get; set; }

    /// <summary>When the first byte of this message was read or written.</summary>
    public DateTimeOffset TimestampStart { get; set; }

    /// <summary>When the last byte of this message was read or written, or <c>null</c> while it is in progress.</summary>
    public DateTimeOffset? TimestampEnd { get; set; }

    /// <summary>Whether this message is HTTP/1.0.</summary>
    public bool IsHttp10 => HttpVersion.Equals("HTTP/1.0", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether this message is HTTP/1.1.</summary>
    public bool IsHttp11 => HttpVersion.Equals("HTTP/1.1", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether this message is HTTP/2.</summary>
    public bool IsHttp2 => HttpVersion.Equals("HTTP/2.0", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sets <see cref="Content"/> to the UTF-8 bytes of <paramref name="text"/>.</summary>
    public void SetText(string text) => Content = Encoding.UTF8.GetBytes(text);

    /// <summary>Copies every field of this message into <paramref name="target"/>, cloning mutable parts.</summary>
    protected void CopyTo(HttpMessage target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.HttpVersion = HttpVersion;
        target.Headers = Headers.Clone();
        target.Content = Content?.ToArray();
        target.Stream = Stream;
        target.Trailers = Trailers?.Clone();
        target.TimestampStart = TimestampStart;
        target.TimestampEnd = TimestampEnd;
    }
}
