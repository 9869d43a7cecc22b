using System.Globalization;
using System.Text;
using System.Text.Json;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;

namespace Addons.StreamTester;

/// <summary>
/// A unit flow from a HAR 1.2 file (what browser DevTools export): the first entry, or the first one a filter
/// matches, as an HTTP flow with its request, response, headers in order and bodies (text, or base64 as DevTools
/// writes binary content).
/// </summary>
internal static class HarUnit
{
    /// <summary>Reads the unit flow from <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file cannot be read, is not HAR, or no entry fits; the message names the file and entry.</exception>
    public static HttpFlow Read(string path, FlowFilter? filter)
    {
        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"Flow file {Path.GetFullPath(path)} cannot be read: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Flow file {Path.GetFullPath(path)} is not HAR: invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of the line.", e);
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("log", out var log) || !log.TryGetProperty("entries", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"Flow file {Path.GetFullPath(path)} is not HAR: it has no log.entries array.");
            }

            var index = 0;
            foreach (var entry in entries.EnumerateArray())
            {
                var flow = Entry(path, index, entry);
                if (filter is null || filter.Matches(flow))
                {
                    return flow;
                }

                index++;
            }

            throw new FormatException(index == 0
                ? $"Flow file {Path.GetFullPath(path)} has no entries."
                : $"Flow file {Path.GetFullPath(path)}: none of its {index} entries matches the filter.");
        }
    }

    private static HttpFlow Entry(string path, int index, JsonElement entry)
    {
        string Where(string member) => $"Flow file {Path.GetFullPath(path)}, entry {index}: {member}";
        JsonElement Member(JsonElement parent, string name, string where) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value : throw new FormatException($"{Where(where)} is missing.");
        string Text(JsonElement parent, string name, string where) =>
            Member(parent, name, where) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw new FormatException($"{Where(where)} is not a string.");

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

        return flow;
    }

    private static string Version(JsonElement message) =>
        message.TryGetProperty("httpVersion", out var version) && version.GetString() is { Length: > 0 } text
            ? text.StartsWith("HTTP/", StringComparison.OrdinalIgnoreCase) ? text.ToUpperInvariant() : "HTTP/" + text
            : "HTTP/1.1";

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

            // HTTP/2 pseudo-headers (:authority, :path...) are the request line's, not headers.
            var text = name.GetString()!;
            if (!text.StartsWith(':'))
            {
                headers.Add(text, header.TryGetProperty("value", out var value) ? value.GetString() ?? "" : "");
            }
        }

        return headers;
    }

    private static byte[] Body(JsonElement body, string where)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
        {
            return [];
        }

        if (body.TryGetProperty("encoding", out var encoding) && encoding.GetString() == "base64")
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
}
