using System.Text;
using System.Text.Json;
using Addons.Abstractions.Flows;

namespace Addons.Web;

/// <summary>
/// One flow in full, as <c>GET /api/flows/{id}</c> and the WebSocket's <c>flow</c> message send it (API.md): the
/// connections, the request and response without their bodies (those have their own endpoints), WebSocket, TCP and
/// UDP messages cut at <see cref="MaxInline"/> bytes each, DNS questions and answers.
/// </summary>
internal static class FlowJson
{
    public const int MaxInline = 64 * 1024;
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    public static string TypeName(FlowType type) => type switch
    {
        FlowType.Http => "http",
        FlowType.Tcp => "tcp",
        FlowType.Udp => "udp",
        FlowType.Dns => "dns",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// The flow as JSON bytes. A live flow may change while it is written (the proxy adds a header or a message):
    /// the enumeration then fails and is written again from the start.
    /// </summary>
    public static byte[] Serialize(Flow flow, bool modified = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return WebJson.Object(json =>
                {
                    WriteMembers(json, flow);
                    json.WriteBoolean("modified", modified);
                });
            }
            catch (InvalidOperationException) when (attempt < 5 && flow.Live)
            {
            }
        }
    }

    public static void Write(Utf8JsonWriter json, Flow flow)
    {
        json.WriteStartObject();
        WriteMembers(json, flow);
        json.WriteEndObject();
    }

    private static void WriteMembers(Utf8JsonWriter json, Flow flow)
    {
        json.WriteString("id", flow.Id.ToString());
        json.WriteString("type", TypeName(flow.Type));
        json.WriteString("marked", flow.Marked);
        json.WriteString("comment", flow.Comment);
        json.WriteBoolean("intercepted", flow.Intercepted);
        json.WriteBoolean("live", flow.Live);
        json.WriteBoolean("killable", flow.Killable);
        json.WriteString("isReplay", flow.IsReplay switch { ReplayKind.Request => "request", ReplayKind.Response => "response", _ => null });
        WebJson.WriteTime(json, "timestampCreated", flow.TimestampCreated);
        if (flow.Error is { } error)
        {
            json.WriteStartObject("error");
            json.WriteString("message", error.Message);
            WebJson.WriteTime(json, "timestamp", error.Timestamp);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("error");
        }

        json.WritePropertyName("client");
        WriteConnection(json, flow.Client, null);
        json.WritePropertyName("server");
        WriteConnection(json, flow.Server, flow.Server);

        var http = flow as HttpFlow;
        if (http is not null)
        {
            json.WritePropertyName("request");
            WriteRequest(json, http.Request);
            json.WritePropertyName("response");
            if (http.Response is { } response)
            {
                WriteResponse(json, response);
            }
            else
            {
                json.WriteNullValue();
            }
        }
        else
        {
            json.WriteNull("request");
            json.WriteNull("response");
        }

        json.WritePropertyName("websocket");
        if (http?.WebSocket is { } ws)
        {
            json.WriteStartObject();
            json.WriteStartArray("messages");
            foreach (var message in ws.Messages.ToArray())
            {
                json.WriteStartObject();
                json.WriteString("type", message.Type == WebSocketMessageType.Text ? "text" : "binary");
                WriteContent(json, message.FromClient, message.Content, message.Timestamp);
                json.WriteBoolean("dropped", message.Dropped);
                json.WriteBoolean("injected", message.Injected);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteNullable(json, "closedByClient", ws.ClosedByClient);
            WriteNullable(json, "closeCode", ws.CloseCode);
            json.WriteString("closeReason", ws.CloseReason);
            WebJson.WriteTime(json, "timestampEnd", ws.TimestampEnd);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNullValue();
        }

        json.WriteStartArray("messages");
        if (flow is StreamFlow stream)
        {
            foreach (var message in stream.Messages.ToArray())
            {
                json.WriteStartObject();
                WriteContent(json, message.FromClient, message.Content, message.Timestamp);
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();

        json.WritePropertyName("dns");
        if (flow is DnsFlow dns)
        {
            json.WriteStartObject();
            json.WritePropertyName("request");
            WriteDns(json, dns.Request);
            json.WritePropertyName("response");
            if (dns.Response is { } answer)
            {
                WriteDns(json, answer);
            }
            else
            {
                json.WriteNullValue();
            }

            json.WriteEndObject();
        }
        else
        {
            json.WriteNullValue();
        }
    }

    private static void WriteConnection(Utf8JsonWriter json, Connection connection, ServerConnection? server)
    {
        json.WriteStartObject();
        if (server is not null)
        {
            json.WriteString("address", server.Address?.ToString());
            json.WriteString("via", server.Via);
        }

        json.WriteString("peername", connection.PeerName?.ToString());
        json.WriteString("sockname", connection.SockName?.ToString());
        json.WriteString("transportProtocol", connection.TransportProtocol);
        json.WriteString("error", connection.Error);
        json.WriteBoolean("tlsEstablished", connection.TlsEstablished);
        json.WriteString("tlsVersion", connection.TlsVersion);
        json.WriteString("sni", connection.Sni);
        json.WriteString("alpn", connection.Alpn);
        json.WriteString("cipher", connection.Cipher);
        json.WriteNumber("certificates", connection.CertificateChain.Count);
        WebJson.WriteTime(json, "timestampStart", connection.TimestampStart);
        if (server is not null)
        {
            WebJson.WriteTime(json, "timestampTcpSetup", server.TimestampTcpSetup);
        }

        WebJson.WriteTime(json, "timestampTlsSetup", connection.TimestampTlsSetup);
        WebJson.WriteTime(json, "timestampEnd", connection.TimestampEnd);
        json.WriteEndObject();
    }

    private static void WriteRequest(Utf8JsonWriter json, HttpRequest request)
    {
        json.WriteStartObject();
        json.WriteString("method", request.Method);
        json.WriteString("scheme", request.Scheme);
        json.WriteString("host", request.Host);
        json.WriteNumber("port", request.Port);
        json.WriteString("authority", request.Authority);
        json.WriteString("path", request.Path);
        json.WriteString("url", request.Url);
        WriteMessage(json, request);
        json.WriteEndObject();
    }

    private static void WriteResponse(Utf8JsonWriter json, HttpResponse response)
    {
        json.WriteStartObject();
        json.WriteNumber("statusCode", response.StatusCode);
        json.WriteString("reason", response.Reason);
        WriteMessage(json, response);
        json.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter json, HttpMessage message)
    {
        json.WriteString("httpVersion", message.HttpVersion);
        WriteHeaders(json, "headers", message.Headers);
        if (message.Trailers is { } trailers)
        {
            WriteHeaders(json, "trailers", trailers);
        }
        else
        {
            json.WriteNull("trailers");
        }

        WriteNullable(json, "contentLength", message.Content?.Length);
        json.WriteString("contentType", message.Headers["Content-Type"]);
        json.WriteString("contentEncoding", message.Headers["Content-Encoding"]);
        json.WriteBoolean("streamed", message.Stream);
        WebJson.WriteTime(json, "timestampStart", message.TimestampStart);
        WebJson.WriteTime(json, "timestampEnd", message.TimestampEnd);
    }

    private static void WriteHeaders(Utf8JsonWriter json, string name, HttpHeaders headers)
    {
        json.WriteStartArray(name);
        foreach (var field in headers.ToArray())
        {
            json.WriteStartArray();
            json.WriteStringValue(field.Name);
            json.WriteStringValue(field.Value);
            json.WriteEndArray();
        }

        json.WriteEndArray();
    }

    /// <summary>A message's bytes, cut at <see cref="MaxInline"/>: as text when they are UTF-8, always as base64.</summary>
    private static void WriteContent(Utf8JsonWriter json, bool fromClient, byte[] content, DateTimeOffset timestamp)
    {
        json.WriteBoolean("fromClient", fromClient);
        var shown = content.AsSpan(0, Math.Min(content.Length, MaxInline));
        json.WriteNumber("length", content.Length);
        json.WriteBoolean("truncated", shown.Length < content.Length);
        string? text;
        try
        {
            text = StrictUtf8.GetString(shown);
        }
        catch (DecoderFallbackException)
        {
            text = null;
        }

        json.WriteString("text", text);
        json.WriteBase64String("base64", shown);
        WebJson.WriteTime(json, "timestamp", timestamp);
    }

    private static void WriteDns(Utf8JsonWriter json, DnsMessage message)
    {
        json.WriteStartObject();
        json.WriteNumber("id", message.Id);
        json.WriteBoolean("query", message.Query);
        json.WriteString("opCode", message.OpCodeName);
        json.WriteString("responseCode", DnsNames.ResponseCode(message.ResponseCode));
        json.WriteBoolean("authoritativeAnswer", message.AuthoritativeAnswer);
        json.WriteBoolean("truncation", message.Truncation);
        json.WriteBoolean("recursionDesired", message.RecursionDesired);
        json.WriteBoolean("recursionAvailable", message.RecursionAvailable);
        json.WriteStartArray("questions");
        foreach (var question in message.Questions)
        {
            json.WriteStartObject();
            json.WriteString("name", question.Name);
            json.WriteString("type", DnsNames.Type(question.Type));
            json.WriteString("class", DnsNames.Class(question.Class));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        WriteRecords(json, "answers", message.Answers);
        WriteRecords(json, "authorities", message.Authorities);
        WriteRecords(json, "additionals", message.Additionals);
        WebJson.WriteTime(json, "timestamp", message.Timestamp);
        json.WriteEndObject();
    }

    private static void WriteRecords(Utf8JsonWriter json, string name, List<DnsResourceRecord> records)
    {
        json.WriteStartArray(name);
        foreach (var record in records)
        {
            json.WriteStartObject();
            json.WriteString("name", record.Name);
            json.WriteString("type", DnsNames.Type(record.Type));
            json.WriteString("class", DnsNames.Class(record.Class));
            json.WriteNumber("ttl", record.Ttl);
            json.WriteString("data", DnsNames.Data(record));
            json.WriteBase64String("base64", record.Data);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, bool? value)
    {
        if (value is { } v)
        {
            json.WriteBoolean(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
