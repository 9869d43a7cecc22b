using System.Text.Json;
using Addons.Abstractions.Flows;
using Addons.Abstractions.View;

namespace Addons.Web;

/// <summary>A page of the View (<c>view.flows.page</c>'s answer) as the API and the WebSocket send it.</summary>
internal static class PageJson
{
    public static void WriteMembers(Utf8JsonWriter json, ViewPage page)
    {
        json.WriteNumber("offset", page.Offset);
        json.WriteNumber("total", page.Total);
        json.WriteNumber("storeCount", page.StoreCount);
        json.WriteString("filter", page.Filter);
        json.WriteString("order", page.Order);
        json.WriteBoolean("reversed", page.Reversed);
        json.WriteBoolean("markedOnly", page.MarkedOnly);
        if (page.FocusIndex is { } focusIndex)
        {
            json.WriteNumber("focusIndex", focusIndex);
        }
        else
        {
            json.WriteNull("focusIndex");
        }

        json.WriteString("focusId", page.FocusId?.ToString());
        json.WriteStartArray("rows");
        foreach (var row in page.Rows)
        {
            WriteRow(json, row);
        }

        json.WriteEndArray();
    }

    private static void WriteRow(Utf8JsonWriter json, ViewRow row)
    {
        var s = row.Summary;
        json.WriteStartObject();
        json.WriteNumber("index", row.Index);
        json.WriteString("id", s.Id.ToString());
        json.WriteString("type", FlowJson.TypeName(s.Type));
        json.WriteString("marked", s.Marked);
        json.WriteString("method", s.Method);
        var (scheme, path) = SplitUrl(s);
        json.WriteString("scheme", scheme);
        json.WriteString("host", s.Type switch { FlowType.Http => s.PrettyHost ?? s.Host, FlowType.Dns => "", _ => path });
        json.WriteString("path", path);
        json.WriteString("url", s.PrettyUrl.Length > 0 ? s.PrettyUrl : s.Url);
        if (s.StatusCode is { } status)
        {
            json.WriteNumber("status", status);
        }
        else
        {
            json.WriteNull("status");
        }

        json.WriteBoolean("error", s.HasError);
        json.WriteNumber("size", s.Size);
        if (row.Duration is { } duration)
        {
            json.WriteNumber("duration", duration.Ticks / (double)TimeSpan.TicksPerMillisecond);
        }
        else
        {
            json.WriteNull("duration");
        }

        WebJson.WriteTime(json, "time", s.TimestampCreated);
        json.WriteBoolean("intercepted", row.Intercepted);
        json.WriteBoolean("live", row.Live);
        json.WriteBoolean("cold", row.Cold);
        json.WriteEndObject();
    }

    /// <summary>The scheme and the path with its query of an HTTP flow's URL; the whole address for other flows.</summary>
    private static (string Scheme, string Path) SplitUrl(FlowSummary summary)
    {
        var url = summary.PrettyUrl.Length > 0 ? summary.PrettyUrl : summary.Url;
        if (summary.Type != FlowType.Http)
        {
            return ("", url);
        }

        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return ("", url);
        }

        var pathStart = url.IndexOf('/', schemeEnd + 3);
        return (url[..schemeEnd], pathStart < 0 ? "/" : url[pathStart..]);
    }
}
