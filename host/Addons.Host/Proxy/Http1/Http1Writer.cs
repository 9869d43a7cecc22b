using System.Buffers;
using System.Globalization;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http1;

/// <summary>
/// Serializes messages the proxy forwards. Header fields go out in their order and case, except that hop-by-hop
/// fields (RFC 9110 section 7.6.1: Connection and the fields it names, Keep-Alive, Proxy-Connection, TE, Upgrade
/// unless upgrading) are dropped and the framing fields are rewritten for the body actually sent.
/// </summary>
internal static class Http1Writer
{
    /// <param name="hostHeader">
    /// The Host value to send instead of the received ones (RFC 9112 section 3.2.2: a proxy regenerates Host from an
    /// absolute-form target), or null to keep them.
    /// </param>
    public static void WriteRequestHead(IBufferWriter<byte> output, HttpRequest request, string target, OutgoingFraming framing, long bodyLength, bool upgrade, string? hostHeader)
    {
        WriteAscii(output, request.Method);
        WriteAscii(output, " ");
        WriteAscii(output, target);
        WriteAscii(output, " HTTP/1.1\r\n");
        if (hostHeader is not null && !request.Headers.Contains("Host"))
        {
            WriteField(output, "Host", hostHeader);
        }

        WriteFields(output, request.Headers, framing, bodyLength, upgrade, close: false, hostHeader);
    }

    public static void WriteResponseHead(IBufferWriter<byte> output, HttpResponse response, OutgoingFraming framing, long bodyLength, bool upgrade, bool close)
    {
        WriteAscii(output, "HTTP/1.1 ");
        WriteAscii(output, response.StatusCode.ToString(CultureInfo.InvariantCulture));
        WriteAscii(output, " ");

        // HTTP/2 has no reason phrase; an HTTP/1 client gets the usual one, as from mitmproxy.
        WriteLatin1(output, response.Reason.Length == 0 && response.IsHttp2 ? ReasonPhrases.For(response.StatusCode) : response.Reason);
        WriteAscii(output, "\r\n");
        WriteFields(output, response.Headers, framing, bodyLength, upgrade, close);
    }

    /// <summary>An interim (1xx) response relayed as received, hop-by-hop fields removed.</summary>
    public static void WriteInterimResponse(IBufferWriter<byte> output, ResponseHead head)
    {
        WriteAscii(output, "HTTP/1.1 ");
        WriteAscii(output, head.StatusCode.ToString(CultureInfo.InvariantCulture));
        WriteAscii(output, " ");
        WriteLatin1(output, head.Reason);
        WriteAscii(output, "\r\n");
        WriteFields(output, head.Headers, OutgoingFraming.None, 0, upgrade: false, close: false);
    }

    /// <summary>The body in the framing its head announced.</summary>
    public static void WriteBody(IBufferWriter<byte> output, ReadOnlySpan<byte> body, OutgoingFraming framing, HttpHeaders? trailers)
    {
        if (framing != OutgoingFraming.Chunked)
        {
            output.Write(body);
            return;
        }

        if (!body.IsEmpty)
        {
            WriteAscii(output, body.Length.ToString("x", CultureInfo.InvariantCulture));
            WriteAscii(output, "\r\n");
            output.Write(body);
            WriteAscii(output, "\r\n");
        }

        WriteAscii(output, "0\r\n");
        foreach (var field in trailers ?? [])
        {
            WriteField(output, field.Name, field.Value);
        }

        WriteAscii(output, "\r\n");
    }

    private static void WriteFields(IBufferWriter<byte> output, HttpHeaders headers, OutgoingFraming framing, long bodyLength, bool upgrade, bool close, string? hostHeader = null)
    {
        var wroteHost = false;
        var connectionTokens = ConnectionTokens(headers);
        var wroteLength = false;
        var wroteEncoding = false;
        foreach (var field in headers)
        {
            var name = field.Name;
            if (hostHeader is not null && name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                // The regenerated Host takes the place of the first one received; later duplicates go.
                if (!wroteHost)
                {
                    WriteField(output, name, hostHeader);
                    wroteHost = true;
                }

                continue;
            }

            if (framing == OutgoingFraming.HeadersOnly &&
                (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)))
            {
                WriteField(output, name, field.Value);
                continue;
            }

            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (framing == OutgoingFraming.ContentLength && !wroteLength)
                {
                    WriteField(output, name, bodyLength.ToString(CultureInfo.InvariantCulture));
                    wroteLength = true;
                }

                continue;
            }

            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                if (framing == OutgoingFraming.Chunked && !wroteEncoding)
                {
                    WriteField(output, name, "chunked");
                    wroteEncoding = true;
                }

                continue;
            }

            if (IsHopByHop(name, connectionTokens, upgrade))
            {
                continue;
            }

            WriteField(output, name, field.Value);
        }

        if (framing == OutgoingFraming.ContentLength && !wroteLength)
        {
            WriteField(output, "Content-Length", bodyLength.ToString(CultureInfo.InvariantCulture));
        }

        if (framing == OutgoingFraming.Chunked && !wroteEncoding)
        {
            WriteField(output, "Transfer-Encoding", "chunked");
        }

        if (close)
        {
            WriteField(output, "Connection", "close");
        }

        WriteAscii(output, "\r\n");
    }

    /// <summary>Whether a field is meant for one connection only and must not be forwarded.</summary>
    public static bool IsHopByHop(string name, IReadOnlyCollection<string> connectionTokens, bool upgrade)
    {
        if (upgrade && (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        return name.Equals("Connection", StringComparison.OrdinalIgnoreCase) ||
               name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) ||
               name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase) ||
               name.Equals("TE", StringComparison.OrdinalIgnoreCase) ||
               name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) ||
               connectionTokens.Contains(name);
    }

    /// <summary>
    /// The tokens of Connection and Proxy-Connection: field names to drop, and options such as close. keep-alive is left
    /// out: the field it would name is dropped as hop-by-hop anyway, and most messages say nothing else, so they make no set.
    /// </summary>
    public static IReadOnlyCollection<string> ConnectionTokens(HttpHeaders headers)
    {
        HashSet<string>? tokens = null;
        foreach (var field in headers)
        {
            if (!IsConnectionField(field.Name))
            {
                continue;
            }

            var value = field.Value.AsSpan();
            foreach (var range in value.Split(','))
            {
                var token = value[range].Trim();
                if (!token.IsEmpty && !token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase))
                {
                    (tokens ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(token.ToString());
                }
            }
        }

        return (IReadOnlyCollection<string>?)tokens ?? [];
    }

    /// <summary>Whether Connection lists <paramref name="option"/> (close, keep-alive, upgrade).</summary>
    public static bool HasConnectionOption(HttpHeaders headers, string option)
    {
        foreach (var field in headers)
        {
            if (!IsConnectionField(field.Name))
            {
                continue;
            }

            var value = field.Value.AsSpan();
            foreach (var range in value.Split(','))
            {
                if (value[range].Trim().Equals(option, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool IsConnectionField(string name) =>
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase);

    private static void WriteField(IBufferWriter<byte> output, string name, string value)
    {
        WriteLatin1(output, name);
        WriteAscii(output, ": ");
        WriteLatin1(output, value);
        WriteAscii(output, "\r\n");
    }

    private static void WriteAscii(IBufferWriter<byte> output, string text) => WriteLatin1(output, text);

    private static void WriteLatin1(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        var written = Encoding.Latin1.GetBytes(text, span);
        output.Advance(written);
    }

    /// <summary>Writes the head already in <paramref name="output"/> and the body, in one write when the body is small.</summary>
    public static async Task SendAsync(ArrayBufferWriter<byte> output, Stream stream, byte[] body, OutgoingFraming framing, HttpHeaders? trailers, CancellationToken stop)
    {
        if (framing == OutgoingFraming.Chunked || body.Length <= 16 * 1024)
        {
            WriteBody(output, body, framing, trailers);
            await stream.WriteAsync(output.WrittenMemory, stop).ConfigureAwait(false);
            return;
        }

        await stream.WriteAsync(output.WrittenMemory, stop).ConfigureAwait(false);
        await stream.WriteAsync(body, stop).ConfigureAwait(false);
    }
}
