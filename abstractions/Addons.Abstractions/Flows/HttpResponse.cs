using System.Text;

namespace Addons.Abstractions.Flows;

/// <summary>An HTTP response as the server sent it, or as an addon made it.</summary>
public sealed class HttpResponse : HttpMessage
{
    /// <summary>The status code.</summary>
    public int StatusCode { get; set; } = 200;

    /// <summary>The reason phrase exactly as received (it may be empty).</summary>
    public string Reason { get; set; } = "OK";

    /// <summary>
    /// Makes a complete response, as an addon does to answer a request itself: the body, a Content-Length and the
    /// given headers; both timestamps are now.
    /// </summary>
    public static HttpResponse Create(int statusCode, byte[] content, params (string Name, string Value)[] headers)
    {
        ArgumentNullException.ThrowIfNull(content);
        var now = DateTimeOffset.UtcNow;
        var response = new HttpResponse
        {
            StatusCode = statusCode,
            Reason = ReasonPhrases.For(statusCode),
            Headers = new HttpHeaders(headers),
            Content = content,
            TimestampStart = now,
            TimestampEnd = now,
        };
        response.Headers.Set("Content-Length", content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return response;
    }

    /// <summary>Makes a complete response with a UTF-8 text body.</summary>
    public static HttpResponse Create(int statusCode, string text, params (string Name, string Value)[] headers) =>
        Create(statusCode, Encoding.UTF8.GetBytes(text), headers);

    /// <summary>A deep copy of this response.</summary>
    public HttpResponse Clone()
    {
        var copy = new HttpResponse { StatusCode = StatusCode, Reason = Reason };
        CopyTo(copy);
        return copy;
    }
}
