using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Addons.Abstractions.Flows;

namespace Addons.Host.Interop;

/// <summary>
/// HAR 1.2, what browser DevTools export: each entry an HTTP flow with its request and response, headers in order and
/// case, bodies as text or base64. Reading streams the entries in order; a damaged file yields the entries before the
/// damage, then throws a <see cref="FormatException"/> naming the file and the entry or byte offset.
/// </summary>
internal static class HarFile
{
    /// <summary>The entries of the HAR file at <paramref name="path"/>, as flows, in order.</summary>
    /// <exception cref="FormatException">The file cannot be read or is not HAR (after the entries before the damage).</exception>
    public static IEnumerable<HttpFlow> Read(string path)
    {
        var (bytes, name) = FlowFileBytes.Read(path);
        return Read(bytes, name);
    }

    /// <summary>The entries of a HAR document held in <paramref name="bytes"/>; <paramref name="name"/> names it in messages.</summary>
    /// <exception cref="FormatException">The document is not HAR (after the entries before the damage).</exception>
    public static IEnumerable<HttpFlow> Read(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var (entries, damage) = Locate(bytes, name);
        for (var index = 0; index < entries.Count; index++)
        {
            using var document = JsonDocument.Parse(bytes.AsMemory(entries[index]));
            yield return Entry(name, index, document.RootElement);
        }

        if (damage is not null)
        {
            throw damage;
        }
    }

    /// <summary>Writes <paramref name="flows"/> as a HAR 1.2 document.</summary>
    public static void Write(Stream stream, IEnumerable<HttpFlow> flows, string creator = "addons-host")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(flows);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("log");
        json.WriteString("version", "1.2");
        json.WriteStartObject("creator");
        json.WriteString("name", creator);
        json.WriteString("version", typeof(HarFile).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");
        json.WriteEndObject();
        json.WriteStartArray("entries");
        foreach (var flow in flows)
        {
            WriteEntry(json, flow);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The byte ranges of the entries up to the first damage, and the damage as an exception (or null).</summary>
    private static (List<Range> Entries, FormatException? Damage) Locate(byte[] bytes, string name)
    {
        var entries = new List<Range>();
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !Seek(ref reader, "log") || reader.TokenType != JsonTokenType.StartObject
                || !Seek(ref reader, "entries") || reader.TokenType != JsonTokenType.StartArray)
            {
                return (entries, new FormatException($"Flow file {name} is not HAR: it has no log.entries array."));
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                entries.Add(new Range(start, (int)reader.BytesConsumed));
            }

            return (entries, entries.Count == 0 ? new FormatException($"Flow file {name} has no entries.") : null);
        }
        catch (JsonException e)
        {
            return (entries, new FormatException(
                $"Flow file {name} is not valid HAR after {entries.Count} entries: invalid JSON at byte {reader.BytesConsumed} (line {e.LineNumber + 1}).", e));
        }
    }

    /// <summary>Moves into the current object to the value of <paramref name="property"/>, skipping the others.</summary>
    private static bool Seek(ref Utf8JsonReader reader, string property)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var found = reader.ValueTextEquals(property);
            reader.Read();
            if (found)
            {
                return true;
            }

            reader.Skip();
        }

        return false;
    }

    private static HttpFlow Entry(string name, int index, JsonElement entry)
    {
        string Where(string member) => $"Flow file {name}, entry {index}: {member}";
        JsonElement Member(JsonElement parent, string member, string where) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(member, out var value) ? value : throw new FormatException($"{Where(where)} is missing.");
        string Text(JsonElement parent, string member, string where) =>
            Member(parent, member, where) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw new FormatException($"{Where(where)} is not a string.");

        var request = Member(entry, "request", "request");
        var url = Text(request, "url", "request.url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"{Where("request.url")} '{url}' is not an http:// or https:// URL.");
        }

        var started = entry.TryGetProperty("startedDateTime", out var at) && at.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(at.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : throw new FormatException($"{Where("startedDateTime")} is missing or not a date.");
        var total = entry.TryGetProperty("time", out var time) && time.TryGetDouble(out var ms) && ms >= 0 ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;
        var flow = new HttpFlow
        {
            TimestampCreated = started,
            Request = new HttpRequest
            {
                Method = Text(request, "method", "request.method"),
                Scheme = uri.Scheme,
                Authority = PseudoHeader(request, ":authority") ?? "",
                Host = uri.IdnHost,
                Port = uri.Port,
                Path = uri.PathAndQuery,
                HttpVersion = Version(request),
                Headers = Headers(request, Where("request.headers")),
                Content = Body(request.TryGetProperty("postData", out var post) ? post : default, Where("request.postData")),
                TimestampStart = started,
                TimestampEnd = started,
            },
        };
        flow.Server.Address = new HostPort(uri.IdnHost, uri.Port);
        if (entry.TryGetProperty("comment", out var comment) && comment.ValueKind == JsonValueKind.String)
        {
            flow.Comment = comment.GetString()!;
        }

        // DevTools writes status 0 for a request that got no response.
        if (entry.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.Object
            && response.TryGetProperty("status", out var status) && status.TryGetInt32(out var code) && code > 0)
        {
            flow.Response = new HttpResponse
            {
                StatusCode = code,
                Reason = response.TryGetProperty("statusText", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString()! : "",
                HttpVersion = Version(response),
                Headers = Headers(response, Where("response.headers")),
                Content = Body(response.TryGetProperty("content", out var content) ? content : default, Where("response.content")),
                TimestampStart = started + total,
                TimestampEnd = started + total,
            };
        }

        // DevTools' custom field for a request that failed (net::ERR_...); this writer puts a flow's error there too.
        if (response.ValueKind == JsonValueKind.Object && response.TryGetProperty("_error", out var error) && error.ValueKind == JsonValueKind.String
            && error.GetString() is { Length: > 0 } message)
        {
            flow.Error = new FlowError(message, started + total);
        }

        return flow;
    }

    /// <summary>
    /// The message's version as mitmproxy writes it: browsers write ALPN names (<c>h2</c>, <c>h3</c>) or
    /// <c>http/2.0</c>, which are <c>HTTP/2.0</c> and <c>HTTP/3</c> in a flow.
    /// </summary>
    private static string Version(JsonElement message)
    {
        if (!message.TryGetProperty("httpVersion", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() is not { Length: > 0 } text)
        {
            return "HTTP/1.1";
        }

        return text.ToUpperInvariant() switch
        {
            "H2" or "H2C" or "HTTP/2" or "HTTP/2.0" => "HTTP/2.0",
            "H3" or "HTTP/3" or "HTTP/3.0" => "HTTP/3",
            var upper when upper.StartsWith("HTTP/", StringComparison.Ordinal) => upper,
            var other => "HTTP/" + other,
        };
    }

    /// <summary>
    /// An HTTP/2 pseudo-header field Chromium lists among an HTTP/2 request's headers (<c>:authority</c>...), or null.
    /// </summary>
    private static string? PseudoHeader(JsonElement message, string name)
    {
        if (!message.TryGetProperty("headers", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var header in list.EnumerateArray())
        {
            if (header.ValueKind == JsonValueKind.Object && header.TryGetProperty("name", out var field) && field.ValueKind == JsonValueKind.String
                && field.ValueEquals(name) && header.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String)
            {
                return Bytes(value.GetString()!);
            }
        }

        return null;
    }

    private static HttpHeaders Headers(JsonElement message, string where)
    {
        var headers = new HttpHeaders();
        if (!message.TryGetProperty("headers", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return headers;
        }

        foreach (var header in list.EnumerateArray())
        {
            if (header.ValueKind != JsonValueKind.Object || !header.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"{where} has a header without a name.");
            }

            // HTTP/2 pseudo-headers (:authority, :path...) belong to the request line, not to the headers; :authority
            // is the request's authority.
            var text = name.GetString()!;
            if (!text.StartsWith(':'))
            {
                // A flow keeps header bytes as Latin-1 characters; HAR has the text, sent as UTF-8.
                var value = header.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
                headers.Add(Bytes(text), Bytes(value));
            }
        }

        return headers;
    }

    private static string Bytes(string text) => Ascii.IsValid(text) ? text : Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

    /// <summary>Header bytes (Latin-1 characters) as the text they stand for: UTF-8 when they are, else Latin-1.</summary>
    private static string Text(string bytes)
    {
        if (Ascii.IsValid(bytes))
        {
            return bytes;
        }

        var raw = Encoding.Latin1.GetBytes(bytes);
        return Utf8.IsValid(raw) ? Encoding.UTF8.GetString(raw) : bytes;
    }

    private static byte[] Body(JsonElement body, string where)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
        {
            return [];
        }

        if (body.TryGetProperty("encoding", out var encoding) && encoding.ValueKind == JsonValueKind.String && encoding.GetString() == "base64")
        {
            try
            {
                return Convert.FromBase64String(text.GetString()!);
            }
            catch (FormatException)
            {
                throw new FormatException($"{where}.text is marked base64 but is not base64.");
            }
        }

        return Encoding.UTF8.GetBytes(text.GetString()!);
    }

    private static void WriteEntry(Utf8JsonWriter json, HttpFlow flow)
    {
        var request = flow.Request;
        var response = flow.Response;
        json.WriteStartObject();
        json.WriteString("startedDateTime", request.TimestampStart.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        var total = response?.TimestampEnd is { } end ? Math.Max(0, (end - request.TimestampStart).TotalMilliseconds) : 0;
        json.WriteNumber("time", Math.Round(total, 3));
        json.WriteStartObject("request");
        json.WriteString("method", request.Method);
        json.WriteString("url", request.Url);
        json.WriteString("httpVersion", request.HttpVersion);
        WriteHeaders(json, request.Headers);
        WriteQuery(json, request.Path);
        json.WriteStartArray("cookies");
        json.WriteEndArray();
        json.WriteNumber("headersSize", -1);
        json.WriteNumber("bodySize", request.Content?.Length ?? 0);
        if (request.Content is { Length: > 0 } posted)
        {
            json.WriteStartObject("postData");
            json.WriteString("mimeType", request.Headers["Content-Type"] ?? "");
            WriteText(json, posted);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteStartObject("response");
        json.WriteNumber("status", response?.StatusCode ?? 0);
        json.WriteString("statusText", response?.Reason ?? "");
        json.WriteString("httpVersion", response?.HttpVersion ?? "");
        WriteHeaders(json, response?.Headers ?? new HttpHeaders());
        json.WriteStartArray("cookies");
        json.WriteEndArray();
        json.WriteStartObject("content");
        json.WriteNumber("size", response?.Content?.Length ?? 0);
        json.WriteString("mimeType", response?.Headers["Content-Type"] ?? "");
        if (response?.Content is { Length: > 0 } body)
        {
            WriteText(json, body);
        }

        json.WriteEndObject();
        json.WriteString("redirectURL", response?.Headers["Location"] ?? "");
        json.WriteNumber("headersSize", -1);
        json.WriteNumber("bodySize", response?.Content?.Length ?? -1);
        if (flow.Error is { } error)
        {
            json.WriteString("_error", error.Message);
        }

        json.WriteEndObject();
        json.WriteStartObject("cache");
        json.WriteEndObject();
        json.WriteStartObject("timings");
        json.WriteNumber("send", 0);
        json.WriteNumber("wait", Math.Round(total, 3));
        json.WriteNumber("receive", 0);
        json.WriteEndObject();
        if (flow.Comment.Length > 0)
        {
            json.WriteString("comment", flow.Comment);
        }

        json.WriteEndObject();
    }

    private static void WriteHeaders(Utf8JsonWriter json, HttpHeaders headers)
    {
        json.WriteStartArray("headers");
        foreach (var header in headers)
        {
            json.WriteStartObject();
            json.WriteString("name", Text(header.Name));
            json.WriteString("value", Text(header.Value));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteQuery(Utf8JsonWriter json, string path)
    {
        json.WriteStartArray("queryString");
        var question = path.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            foreach (var pair in path[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                json.WriteStartObject();
                json.WriteString("name", Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]));
                json.WriteString("value", equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]));
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
    }

    /// <summary>A body as text when it is valid UTF-8, else as base64 (as DevTools marks binary content).</summary>
    private static void WriteText(Utf8JsonWriter json, byte[] body)
    {
        if (Utf8.IsValid(body))
        {
            json.WriteString("text", Encoding.UTF8.GetString(body));
        }
        else
        {
            json.WriteString("text", Convert.ToBase64String(body));
            json.WriteString("encoding", "base64");
        }
    }
}
