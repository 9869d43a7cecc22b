using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Addons.Abstractions.Flows;

namespace Addons.Web;

/// <summary>
/// Changes the page makes to a held flow before it goes on (mitmweb's edit), and their undoing (<c>revert</c>): the
/// request's or response's method, URL parts, version, status, headers and body. Only a flow the intercept filter
/// holds can change, so the change is what goes upstream (or to the client) and what the addons see next; a finished
/// flow stays as it was captured, as the Session stored it. The flow as it was before the first change is kept
/// until it is reverted or goes on.
/// </summary>
internal sealed class FlowEdits
{
    private readonly ConcurrentDictionary<Guid, HttpFlow> _originals = new();

    public bool IsModified(Guid id) => _originals.ContainsKey(id);

    /// <summary>Applies <paramref name="edit"/> to <paramref name="flow"/>; the sentence saying why not, or null when done.</summary>
    public string? Apply(Flow flow, JsonElement edit)
    {
        if (flow is not HttpFlow http)
        {
            return $"Flow {flow.Id} is a {FlowJson.TypeName(flow.Type)} flow; only HTTP requests and responses can be edited.";
        }

        if (!http.Intercepted)
        {
            return $"Flow {flow.Id} is not held; set the intercept filter to hold flows, and edit them while they wait.";
        }

        if (edit.ValueKind != JsonValueKind.Object)
        {
            return "The body must be a JSON object such as {\"request\": {\"method\": \"POST\"}} or {\"response\": {\"statusCode\": 404}}.";
        }

        // Checked in full on a copy first: a bad field changes nothing.
        var draft = http.Copy();
        foreach (var property in edit.EnumerateObject())
        {
            var error = property.Name switch
            {
                "request" => EditRequest(draft.Request, property.Value),
                "response" when draft.Response is null => $"Flow {flow.Id} has no response yet; edit its request, or hold it at its response.",
                "response" => EditResponse(draft.Response!, property.Value),
                "comment" when property.Value.ValueKind == JsonValueKind.String => Assign(() => draft.Comment = property.Value.GetString()!),
                _ => $"\"{property.Name}\" cannot be edited; send request, response or comment.",
            };
            if (error is not null)
            {
                return error;
            }
        }

        _originals.TryAdd(http.Id, http.Copy());
        http.Request = draft.Request;
        http.Response = draft.Response;
        http.Comment = draft.Comment;
        return null;
    }

    /// <summary>Puts back the flow as it was before its first edit; the sentence saying why not, or null when done.</summary>
    public string? Revert(Flow flow)
    {
        if (flow is not HttpFlow http || !_originals.TryGetValue(flow.Id, out var original))
        {
            return $"Flow {flow.Id} has no edits to revert.";
        }

        if (!http.Intercepted)
        {
            return $"Flow {flow.Id} went on with its edits; only a held flow can be reverted.";
        }

        http.Request = original.Request.Clone();
        // A response edited while held at the response; a request edited before it had none.
        if (http.Response is not null && original.Response is not null)
        {
            http.Response = original.Response.Clone();
        }

        http.Comment = original.Comment;
        _originals.TryRemove(flow.Id, out _);
        return null;
    }

    /// <summary>Forgets the original of a flow that left the store.</summary>
    public void Forget(Guid id) => _originals.TryRemove(id, out _);

    /// <summary>The flows whose originals are kept.</summary>
    public IReadOnlyCollection<Guid> Edited => [.. _originals.Keys];

    private static string? EditRequest(HttpRequest request, JsonElement edit)
    {
        if (edit.ValueKind != JsonValueKind.Object)
        {
            return "\"request\" must be an object of the fields to change.";
        }

        foreach (var field in edit.EnumerateObject())
        {
            var value = field.Value;
            var error = field.Name switch
            {
                "method" => Token(value, "method", v => request.Method = v.ToUpperInvariant()),
                "scheme" => value.GetString() is "http" or "https" ? Assign(() => request.Scheme = value.GetString()!) : "scheme must be http or https.",
                "host" => Text(value, "host", v => v.Length > 0 && !v.Any(c => char.IsWhiteSpace(c) || c is '/' or '?' or '#'), v => request.Host = v),
                "port" => value.TryGetInt32(out var port) && port is > 0 and <= 65535 ? Assign(() => request.Port = port) : "port must be a number from 1 to 65535.",
                "path" => Text(value, "path", v => v.StartsWith('/') && !v.Any(char.IsWhiteSpace), v => request.Path = v),
                "authority" => Text(value, "authority", v => !v.Any(char.IsWhiteSpace), v => request.Authority = v),
                "httpVersion" => Version(value, v => request.HttpVersion = v),
                "headers" => Headers(value, h => request.Headers = h),
                "content" or "contentBase64" => Content(value, field.Name, request),
                _ => $"request.{field.Name} cannot be edited; send method, scheme, host, port, path, authority, httpVersion, headers or content.",
            };
            if (error is not null)
            {
                return "request: " + error;
            }
        }

        return null;
    }

    private static string? EditResponse(HttpResponse response, JsonElement edit)
    {
        if (edit.ValueKind != JsonValueKind.Object)
        {
            return "\"response\" must be an object of the fields to change.";
        }

        foreach (var field in edit.EnumerateObject())
        {
            var value = field.Value;
            var error = field.Name switch
            {
                "statusCode" => value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var status) && status is >= 100 and <= 999 ? Assign(() => response.StatusCode = status) : "statusCode must be a number from 100 to 999.",
                "reason" => Text(value, "reason", v => !v.Contains('\r') && !v.Contains('\n'), v => response.Reason = v),
                "httpVersion" => Version(value, v => response.HttpVersion = v),
                "headers" => Headers(value, h => response.Headers = h),
                "content" or "contentBase64" => Content(value, field.Name, response),
                _ => $"response.{field.Name} cannot be edited; send statusCode, reason, httpVersion, headers or content.",
            };
            if (error is not null)
            {
                return "response: " + error;
            }
        }

        return null;
    }

    private static string? Assign(Action assign)
    {
        assign();
        return null;
    }

    private static string? Text(JsonElement value, string name, Func<string, bool> valid, Action<string> assign) =>
        value.ValueKind == JsonValueKind.String && valid(value.GetString()!)
            ? Assign(() => assign(value.GetString()!))
            : $"{name} is not valid: {value.GetRawText()}.";

    private static string? Token(JsonElement value, string name, Action<string> assign) =>
        Text(value, name, v => v.Length > 0 && v.All(IsTokenChar), assign);

    private static string? Version(JsonElement value, Action<string> assign) =>
        value.ValueKind == JsonValueKind.String && value.GetString() is "HTTP/1.0" or "HTTP/1.1" or "HTTP/2.0"
            ? Assign(() => assign(value.GetString()!))
            : "httpVersion must be HTTP/1.0, HTTP/1.1 or HTTP/2.0.";

    /// <summary>Headers as [[name, value], ...] in order: names are tokens, values have no line breaks.</summary>
    private static string? Headers(JsonElement value, Action<HttpHeaders> assign)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return "headers must be a list of [name, value] pairs.";
        }

        var headers = new HttpHeaders();
        var index = 0;
        foreach (var pair in value.EnumerateArray())
        {
            index++;
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 ||
                pair[0].ValueKind != JsonValueKind.String || pair[1].ValueKind != JsonValueKind.String)
            {
                return $"header {index} must be a [name, value] pair of text.";
            }

            var (name, text) = (pair[0].GetString()!, pair[1].GetString()!);
            if (name.Length == 0 || !name.All(IsTokenChar))
            {
                return $"header {index} has a name that is not valid in HTTP: \"{name}\".";
            }

            if (text.Contains('\r') || text.Contains('\n') || text.Contains('\0'))
            {
                return $"header {index} ({name}) has a line break in its value.";
            }

            headers.Add(name, text);
        }

        assign(headers);
        return null;
    }

    /// <summary>A new body, as text (UTF-8) or base64; a Content-Length header follows it, as mitmproxy's does.</summary>
    private static string? Content(JsonElement value, string field, HttpMessage message)
    {
        byte[] content;
        if (value.ValueKind == JsonValueKind.Null)
        {
            content = [];
        }
        else if (value.ValueKind != JsonValueKind.String)
        {
            return $"{field} must be text.";
        }
        else if (field == "content")
        {
            content = Encoding.UTF8.GetBytes(value.GetString()!);
        }
        else if (!value.TryGetBytesFromBase64(out content!))
        {
            return "contentBase64 is not valid base64.";
        }

        message.Content = content;
        if (message.Headers.Contains("Content-Length"))
        {
            message.Headers.Set("Content-Length", content.Length.ToString(CultureInfo.InvariantCulture));
        }

        return null;
    }

    private static bool IsTokenChar(char c) =>
        c is > ' ' and < (char)127 && "()<>@,;:\\\"/[]?={}".IndexOf(c, StringComparison.Ordinal) < 0;
}
