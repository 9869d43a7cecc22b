using System.Globalization;
using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http1;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// Between HTTP/2 header lists and flows: pseudo-header fields become the request's method, scheme, authority and path
/// (as mitmproxy maps them) and the rest stay in order; responses go out with <c>:status</c> first, names lowercased
/// and connection-specific fields dropped (RFC 9113 section 8.2.2).
/// </summary>
internal static class Http2Headers
{
    /// <summary>
    /// The request a stream's header list describes; a malformed list (RFC 9113 section 8.1.1) is a stream error
    /// PROTOCOL_ERROR naming what is wrong.
    /// </summary>
    public static HttpRequest ParseRequest(int streamId, List<HeaderField> fields, RequestOrigin origin)
    {
        string? method = null, scheme = null, authority = null, path = null;
        var headers = new HttpHeaders();
        var regular = false;
        foreach (var (name, value) in fields)
        {
            if (name.StartsWith(':'))
            {
                if (regular)
                {
                    throw Malformed(streamId, $"the pseudo-header field {name} comes after a regular field");
                }

                switch (name)
                {
                    case ":method": method = Once(streamId, name, method, value); break;
                    case ":scheme": scheme = Once(streamId, name, scheme, value); break;
                    case ":authority": authority = Once(streamId, name, authority, value); break;
                    case ":path": path = Once(streamId, name, path, value); break;
                    case ":protocol": throw Malformed(streamId, "extended CONNECT (:protocol, RFC 8441) is not supported");
                    default: throw Malformed(streamId, $"{name} is not a request pseudo-header field");
                }

                continue;
            }

            regular = true;
            CheckField(streamId, name, value);
            headers.Add(name, value);
        }

        if (method is null)
        {
            throw Malformed(streamId, ":method is missing");
        }

        var connect = method == "CONNECT";
        if (!connect && (scheme is null || path is null || path.Length == 0))
        {
            throw Malformed(streamId, scheme is null ? ":scheme is missing" : ":path is missing or empty");
        }

        var request = new HttpRequest
        {
            Method = method,
            HttpVersion = "HTTP/2.0",
            Headers = headers,
            Authority = authority ?? "",
            Path = path ?? "",
            Scheme = scheme ?? origin.Scheme,
            TimestampStart = DateTimeOffset.UtcNow,
        };
        if (origin.Kind == OriginKind.Forward)
        {
            // A client speaking HTTP/2 to the proxy itself names the server as an absolute URL would.
            var target = authority ?? headers["host"];
            if (target is null || !TrySplitAuthority(target, request.Scheme, out var host, out var port))
            {
                throw Malformed(streamId, "an explicit proxy needs :authority (or host) naming the server");
            }

            (request.Host, request.Port) = (host, port);
        }
        else
        {
            request.Scheme = origin.Scheme;
            (request.Host, request.Port) = (origin.Host, origin.Port);
            if (origin.Kind == OriginKind.Reverse)
            {
                request.Authority = origin.Authority;
            }
        }

        return request;
    }

    /// <summary>
    /// A request's header list for an HTTP/2 server: pseudo-header fields first (<c>:authority</c> from the request's
    /// authority, else its Host field, which then goes), then its fields as HTTP/2 allows them.
    /// </summary>
    public static List<HeaderField> RequestFields(HttpRequest request, long? contentLength)
    {
        var host = request.Headers["Host"];
        var authority = request.Authority.Length > 0 ? request.Authority : host ?? RequestOrigin.FormatAuthority(request.Scheme, request.Host, request.Port);
        var fields = new List<HeaderField>(request.Headers.Count + 4)
        {
            new(":method", request.Method),
            new(":scheme", request.Scheme),
            new(":authority", authority),
            new(":path", request.Path.Length > 0 ? request.Path : "/"),
        };
        var connectionTokens = Http1Writer.ConnectionTokens(request.Headers);
        var wroteLength = false;
        foreach (var field in request.Headers)
        {
            var name = field.Name;
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            // TE is the one connection-specific field HTTP/2 keeps, with "trailers" only (RFC 9113 section 8.2.2).
            if (name.Equals("TE", StringComparison.OrdinalIgnoreCase))
            {
                if (field.Value.Contains("trailers", StringComparison.OrdinalIgnoreCase))
                {
                    fields.Add(new HeaderField("te", "trailers"));
                }

                continue;
            }

            if (Http1Writer.IsHopByHop(name, connectionTokens, upgrade: false))
            {
                continue;
            }

            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && contentLength is { } length)
            {
                if (!wroteLength)
                {
                    fields.Add(new HeaderField("content-length", length.ToString(CultureInfo.InvariantCulture)));
                    wroteLength = true;
                }

                continue;
            }

            fields.Add(new HeaderField(Lower(name), field.Value));
        }

        return fields;
    }

    /// <summary>
    /// The response an HTTP/2 server's header list describes (<c>:status</c> first, checked by the connection); it has
    /// no reason phrase, as in mitmproxy.
    /// </summary>
    public static HttpResponse ParseResponse(List<HeaderField> fields)
    {
        var headers = new HttpHeaders();
        for (var i = 1; i < fields.Count; i++)
        {
            if (!fields[i].Name.StartsWith(':'))
            {
                headers.Add(fields[i].Name, fields[i].Value);
            }
        }

        return new HttpResponse
        {
            HttpVersion = "HTTP/2.0",
            StatusCode = int.Parse(fields[0].Value, NumberStyles.None, CultureInfo.InvariantCulture),
            Reason = "",
            Headers = headers,
            TimestampStart = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>A response's header list: <c>:status</c>, then its fields as HTTP/2 allows them.</summary>
    public static List<HeaderField> ResponseFields(HttpResponse response, long? contentLength)
    {
        var fields = new List<HeaderField>(response.Headers.Count + 1) { new(":status", response.StatusCode.ToString(CultureInfo.InvariantCulture)) };
        AddFields(fields, response.Headers, contentLength);
        return fields;
    }

    /// <summary>An interim (1xx) response's header list.</summary>
    public static List<HeaderField> InterimFields(int status, HttpHeaders headers)
    {
        var fields = new List<HeaderField>(headers.Count + 1) { new(":status", status.ToString(CultureInfo.InvariantCulture)) };
        AddFields(fields, headers, null);
        return fields;
    }

    /// <summary>Trailer fields as HTTP/2 allows them.</summary>
    public static List<HeaderField> TrailerFields(HttpHeaders trailers)
    {
        var fields = new List<HeaderField>(trailers.Count);
        AddFields(fields, trailers, null);
        return fields;
    }

    /// <summary>
    /// Lowercases names and drops what is meant for one HTTP/1 connection; with <paramref name="contentLength"/>, the
    /// content-length field says the length of the body actually sent.
    /// </summary>
    private static void AddFields(List<HeaderField> fields, HttpHeaders headers, long? contentLength)
    {
        var connectionTokens = Http1Writer.ConnectionTokens(headers);
        var wroteLength = false;
        foreach (var field in headers)
        {
            var name = field.Name;
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) || Http1Writer.IsHopByHop(name, connectionTokens, upgrade: false))
            {
                continue;
            }

            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && contentLength is { } length)
            {
                if (!wroteLength)
                {
                    fields.Add(new HeaderField("content-length", length.ToString(CultureInfo.InvariantCulture)));
                    wroteLength = true;
                }

                continue;
            }

            fields.Add(new HeaderField(Lower(name), field.Value));
        }
    }

    private static string Lower(string name)
    {
        foreach (var c in name)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                return name.ToLowerInvariant();
            }
        }

        return name;
    }

    /// <summary>RFC 9113 section 8.2: lowercase names, no connection-specific fields, no CR, LF or NUL in values.</summary>
    private static void CheckField(int streamId, string name, string value)
    {
        if (name.Length == 0)
        {
            throw Malformed(streamId, "a field has an empty name");
        }

        foreach (var c in name)
        {
            if (char.IsAsciiLetterUpper(c) || c <= ' ' || c == ':' || c >= '\x7f')
            {
                throw Malformed(streamId, $"the field name \"{name}\" is not a lowercase token");
            }
        }

        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw Malformed(streamId, $"the value of {name} contains CR, LF or NUL");
        }

        if (name is "connection" or "keep-alive" or "proxy-connection" or "transfer-encoding" or "upgrade" ||
            (name == "te" && !value.Equals("trailers", StringComparison.Ordinal)))
        {
            throw Malformed(streamId, $"the connection-specific field {name} is not allowed in HTTP/2");
        }
    }

    private static bool TrySplitAuthority(string authority, string scheme, out string host, out int port)
    {
        if (RequestTarget.TryParseAuthority(authority, out host, out port))
        {
            return true;
        }

        // No port: the scheme's default (RFC 9110 section 4.2).
        port = scheme == "https" ? 443 : 80;
        host = authority;
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
            return host.Length > 0;
        }

        return host.Length > 0 && host.AsSpan().IndexOfAny(":/@ ") < 0;
    }

    private static string Once(int streamId, string name, string? seen, string value) =>
        seen is null ? value : throw Malformed(streamId, $"{name} appears twice");

    private static Http2StreamException Malformed(int streamId, string what) =>
        new(streamId, Http2ErrorCode.ProtocolError, $"Stream {streamId}: malformed request: {what} (RFC 9113 section 8.3.1).");
}
