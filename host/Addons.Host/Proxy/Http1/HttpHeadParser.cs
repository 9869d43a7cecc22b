using System.Buffers;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http1;

/// <summary>
/// Parses HTTP/1.x start lines and header sections from buffered bytes, strictly enough that a message one server
/// would read differently from another is refused (RFC 9112 sections 2-5): no whitespace before a colon, no obsolete
/// line folding, no control characters, CRLF or a lone LF as line end but never a lone CR.
/// </summary>
internal static class HttpHeadParser
{
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    [ThreadStatic]
    private static List<HeaderField>? t_fields;

    /// <summary>
    /// Parses a request head at the start of <paramref name="buffer"/>. Returns false when more bytes are needed; on
    /// success <paramref name="buffer"/> is sliced past the head. Throws <see cref="MalformedMessageException"/> with 400,
    /// 414, 431 or 505 for a malformed or oversized head, and with 400 for more than one Host field.
    /// </summary>
    public static bool TryParseRequest(ref ReadOnlySequence<byte> buffer, HttpLimits limits, out RequestHead? head)
    {
        head = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!TryReadLine(ref reader, limits.MaxStartLine, 414, "The request line is longer than {0} bytes.", out var line))
        {
            return false;
        }

        var (method, target, version) = ParseRequestLine(line);
        if (!TryReadFields(ref reader, limits, 431, out var headers))
        {
            return false;
        }

        // RFC 9112 section 3.2: with two Host fields, the proxy and the servers behind it could each pick another one.
        if (HasTwo(headers!, "Host"))
        {
            throw new MalformedMessageException(400, "The request has more than one Host header field, which makes its server ambiguous.");
        }

        head = new RequestHead(method, target, version, headers!);
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    /// <summary>As <see cref="TryParseRequest"/>, for a response head; errors carry 502 (the server is at fault).</summary>
    public static bool TryParseResponse(ref ReadOnlySequence<byte> buffer, HttpLimits limits, out ResponseHead? head)
    {
        head = null;
        var reader = new SequenceReader<byte>(buffer);
        if (!TryReadLine(ref reader, limits.MaxStartLine, 502, "The server's status line is longer than {0} bytes.", out var line))
        {
            return false;
        }

        var (version, status, reason) = ParseStatusLine(line);
        if (!TryReadFields(ref reader, limits, 502, out var headers))
        {
            return false;
        }

        head = new ResponseHead(version, status, reason, headers!);
        buffer = buffer.Slice(reader.Position);
        return true;
    }

    /// <summary>Parses trailer fields after a last chunk; false when more bytes are needed.</summary>
    public static bool TryParseTrailers(ref ReadOnlySequence<byte> buffer, HttpLimits limits, int errorStatus, out HttpHeaders? trailers)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!TryReadFields(ref reader, limits, errorStatus, out trailers))
        {
            return false;
        }

        buffer = buffer.Slice(reader.Position);
        return true;
    }

    private static bool HasTwo(HttpHeaders headers, string name)
    {
        var seen = false;
        for (var i = 0; i < headers.Count; i++)
        {
            if (headers[i].Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                if (seen)
                {
                    return true;
                }

                seen = true;
            }
        }

        return false;
    }

    /// <summary>Reads one line without its terminator; false if no line end is buffered yet (and the limit is not exceeded).</summary>
    /// <param name="tooLong">The error's sentence, with {0} for <paramref name="shownLimit"/> (<paramref name="limit"/> when not given).</param>
    internal static bool TryReadLine(ref SequenceReader<byte> reader, int limit, int errorStatus, string tooLong, out ReadOnlySpan<byte> line, int? shownLimit = null)
    {
        if (!reader.TryReadTo(out line, (byte)'\n'))
        {
            if (reader.Remaining > limit)
            {
                throw new MalformedMessageException(errorStatus, string.Format(System.Globalization.CultureInfo.InvariantCulture, tooLong, shownLimit ?? limit));
            }

            return false;
        }

        if (line.Length > limit + 1)
        {
            throw new MalformedMessageException(errorStatus, string.Format(System.Globalization.CultureInfo.InvariantCulture, tooLong, shownLimit ?? limit));
        }

        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (line.Contains((byte)'\r'))
        {
            throw new MalformedMessageException(errorStatus == 502 ? 502 : 400, "A line contains a bare carriage return.");
        }

        return true;
    }

    private static bool TryReadFields(ref SequenceReader<byte> reader, HttpLimits limits, int tooLargeStatus, out HttpHeaders? headers)
    {
        headers = null;

        // The fields are gathered in a list of this thread's, then copied once into a list of their exact size: a head
        // is parsed without an await, and often again from the start when its bytes came in several reads.
        var fields = t_fields ??= new List<HeaderField>(32);
        fields.Clear();
        var start = reader.Consumed;
        var badStatus = tooLargeStatus == 502 ? 502 : 400;
        while (true)
        {
            var remainingBudget = limits.MaxHeaderBytes - (int)(reader.Consumed - start);
            if (!TryReadLine(ref reader, Math.Max(remainingBudget, 0), tooLargeStatus, "The header section is larger than {0} bytes.", out var line, limits.MaxHeaderBytes))
            {
                return false;
            }

            if (reader.Consumed - start > limits.MaxHeaderBytes)
            {
                throw new MalformedMessageException(tooLargeStatus, $"The header section is larger than {limits.MaxHeaderBytes} bytes.");
            }

            if (line.IsEmpty)
            {
                headers = new HttpHeaders(fields);
                fields.Clear();
                return true;
            }

            if (fields.Count >= limits.MaxHeaderCount)
            {
                throw new MalformedMessageException(tooLargeStatus, $"There are more than {limits.MaxHeaderCount} header fields.");
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                throw new MalformedMessageException(badStatus, "A header field is folded over several lines (obsolete line folding is not accepted).");
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                throw new MalformedMessageException(badStatus, $"A header line has no field name and colon: \"{Printable(line)}\".");
            }

            var name = line[..colon];
            if (name.ContainsAnyExcept(TokenChars))
            {
                throw new MalformedMessageException(badStatus, $"The header field name \"{Printable(name)}\" contains characters a field name cannot have.");
            }

            var value = line[(colon + 1)..].Trim(" \t"u8);
            foreach (var b in value)
            {
                if ((b < 0x20 && b != (byte)'\t') || b == 0x7f)
                {
                    throw new MalformedMessageException(badStatus, $"The value of header field \"{Encoding.Latin1.GetString(name)}\" contains a control character.");
                }
            }

            fields.Add(new HeaderField(KnownHeaderNames.Get(name), Encoding.Latin1.GetString(value)));
        }
    }

    private static (string Method, string Target, string Version) ParseRequestLine(ReadOnlySpan<byte> line)
    {
        var firstSpace = line.IndexOf((byte)' ');
        var lastSpace = line.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace == firstSpace)
        {
            throw new MalformedMessageException(400, $"The request line \"{Printable(line)}\" is not METHOD TARGET HTTP/1.x.");
        }

        var method = line[..firstSpace];
        var target = line[(firstSpace + 1)..lastSpace];
        var version = line[(lastSpace + 1)..];
        if (method.ContainsAnyExcept(TokenChars))
        {
            throw new MalformedMessageException(400, $"The method \"{Printable(method)}\" contains characters a method cannot have.");
        }

        if (target.IsEmpty)
        {
            throw new MalformedMessageException(400, "The request target is empty.");
        }

        foreach (var b in target)
        {
            if (b <= 0x20 || b >= 0x7f)
            {
                throw new MalformedMessageException(400, $"The request target \"{Printable(target)}\" contains whitespace, control or non-ASCII characters.");
            }
        }

        return (Encoding.ASCII.GetString(method), Encoding.ASCII.GetString(target), ParseVersion(version, 400));
    }

    private static (string Version, int Status, string Reason) ParseStatusLine(ReadOnlySpan<byte> line)
    {
        var space = line.IndexOf((byte)' ');
        if (space <= 0)
        {
            throw new MalformedMessageException(502, $"The server's status line \"{Printable(line)}\" is not HTTP/1.x CODE REASON.");
        }

        var version = ParseVersion(line[..space], 502);
        var rest = line[(space + 1)..];
        if (rest.Length < 3 || !char.IsAsciiDigit((char)rest[0]) || !char.IsAsciiDigit((char)rest[1]) || !char.IsAsciiDigit((char)rest[2]) ||
            (rest.Length > 3 && rest[3] != (byte)' '))
        {
            throw new MalformedMessageException(502, $"The server's status line \"{Printable(line)}\" has no three-digit status code.");
        }

        var status = ((rest[0] - '0') * 100) + ((rest[1] - '0') * 10) + (rest[2] - '0');
        var reason = rest.Length > 4 ? Encoding.Latin1.GetString(rest[4..]) : "";
        return (version, status, reason);
    }

    private static string ParseVersion(ReadOnlySpan<byte> version, int errorStatus)
    {
        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            return "HTTP/1.1";
        }

        if (version.SequenceEqual("HTTP/1.0"u8))
        {
            return "HTTP/1.0";
        }

        if (version.Length == 8 && version.StartsWith("HTTP/"u8) && char.IsAsciiDigit((char)version[5]) && version[6] == (byte)'.' && char.IsAsciiDigit((char)version[7]))
        {
            throw new MalformedMessageException(errorStatus == 400 ? 505 : errorStatus, $"{Encoding.ASCII.GetString(version)} is not supported; this proxy speaks HTTP/1.0 and HTTP/1.1.");
        }

        throw new MalformedMessageException(errorStatus, $"\"{Printable(version)}\" is not an HTTP version.");
    }

    /// <summary>A short, printable rendering of wire bytes for error messages.</summary>
    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(Math.Min(bytes.Length, 80));
        foreach (var b in bytes[..Math.Min(bytes.Length, 80)])
        {
            text.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        }

        return bytes.Length > 80 ? text.Append("...").ToString() : text.ToString();
    }
}
