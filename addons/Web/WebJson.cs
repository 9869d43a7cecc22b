using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Addons.Web;

/// <summary>JSON answers: one object written member by member, and the one-sentence error every failure answers.</summary>
internal static class WebJson
{
    // Served as application/json with nosniff, never inside HTML: no need to escape quotes and angle brackets, which
    // people reading the API with curl would otherwise see as \u0027.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task ErrorAsync(HttpContext context, int status, string sentence)
    {
        context.Response.StatusCode = status;
        return WriteAsync(context, json => json.WriteString("error", sentence));
    }

    /// <summary>Answers one JSON object whose members <paramref name="members"/> writes.</summary>
    public static Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> members) =>
        SendAsync(context, Object(members));

    public static async Task SendAsync(HttpContext context, byte[] body)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>One JSON object as UTF-8 bytes.</summary>
    public static byte[] Object(Action<Utf8JsonWriter> members)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            members(json);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One JSON array, whose items <paramref name="items"/> writes, as UTF-8 bytes.</summary>
    public static byte[] Array(Action<Utf8JsonWriter> items)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartArray();
            items(json);
            json.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A time as Unix milliseconds with fractions, as the page's Date takes it, or null.</summary>
    public static void WriteTime(Utf8JsonWriter json, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            json.WriteNumber(name, (t - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerMillisecond);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
