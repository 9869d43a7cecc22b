using System.Globalization;
using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http1;

/// <summary>
/// Decides how a received message's body is delimited. Ambiguous framing, which one hop could read differently from
/// the next (request smuggling), is refused: Content-Length with Transfer-Encoding, differing Content-Lengths, or a
/// request whose transfer coding is not exactly chunked.
/// </summary>
internal readonly record struct BodyFraming(BodyKind Kind, long Length)
{
    public static BodyFraming ForRequest(HttpHeaders headers)
    {
        var transferEncoding = headers.GetAll("Transfer-Encoding");
        var contentLength = headers.GetAll("Content-Length");
        if (transferEncoding.Count > 0)
        {
            if (contentLength.Count > 0)
            {
                throw new MalformedMessageException(400, "The request has both Content-Length and Transfer-Encoding, which makes its length ambiguous.");
            }

            var codings = string.Join(",", transferEncoding);
            if (!codings.Trim().Equals("chunked", StringComparison.OrdinalIgnoreCase))
            {
                throw new MalformedMessageException(codings.Contains("chunked", StringComparison.OrdinalIgnoreCase) ? 400 : 501,
                    $"The request's Transfer-Encoding \"{codings}\" is not supported; only chunked is.");
            }

            return new BodyFraming(BodyKind.Chunked, -1);
        }

        var length = ParseContentLength(contentLength, 400, "request");
        return length is null or 0 ? new BodyFraming(BodyKind.None, 0) : new BodyFraming(BodyKind.ContentLength, length.Value);
    }

    public static BodyFraming ForResponse(HttpHeaders headers, string requestMethod, int statusCode)
    {
        if (statusCode is < 200 or 204 or 304 || requestMethod.Equals("HEAD", StringComparison.OrdinalIgnoreCase) ||
            (requestMethod.Equals("CONNECT", StringComparison.OrdinalIgnoreCase) && statusCode is >= 200 and < 300))
        {
            return new BodyFraming(BodyKind.None, 0);
        }

        var transferEncoding = headers.GetAll("Transfer-Encoding");
        if (transferEncoding.Count > 0)
        {
            // Transfer-Encoding overrides Content-Length in a response (RFC 9112 section 6.3, rule 3).
            var last = string.Join(",", transferEncoding).Split(',')[^1].Trim();
            return last.Equals("chunked", StringComparison.OrdinalIgnoreCase)
                ? new BodyFraming(BodyKind.Chunked, -1)
                : new BodyFraming(BodyKind.UntilClose, -1);
        }

        var length = ParseContentLength(headers.GetAll("Content-Length"), 502, "server's response");
        return length is null ? new BodyFraming(BodyKind.UntilClose, -1)
            : length == 0 ? new BodyFraming(BodyKind.None, 0)
            : new BodyFraming(BodyKind.ContentLength, length.Value);
    }

    /// <summary>One length, or the same length repeated; anything else is an error.</summary>
    private static long? ParseContentLength(IReadOnlyList<string> values, int errorStatus, string what)
    {
        long? length = null;
        foreach (var value in values)
        {
            foreach (var part in value.Split(','))
            {
                var text = part.Trim();
                if (text.Length == 0 || text.Length > 18 || !text.All(char.IsAsciiDigit) ||
                    !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                {
                    throw new MalformedMessageException(errorStatus, $"The {what} has an invalid Content-Length \"{value}\".");
                }

                if (length is not null && length != parsed)
                {
                    throw new MalformedMessageException(errorStatus, $"The {what} has conflicting Content-Length values ({length} and {parsed}).");
                }

                length = parsed;
            }
        }

        return length;
    }
}
