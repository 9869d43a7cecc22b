using System.Text.Json;
using Addons.Abstractions.Flows;
using Addons.Abstractions.View;

namespace Addons.Web;

/// <summary>
/// A command's result as JSON: flows as <c>GET /api/flows/{id}</c> writes them (at most <see cref="MaxFlows"/>), a
/// page of the View as <c>GET /api/flows</c>, anything else as System.Text.Json writes it, or as text when it cannot.
/// </summary>
internal static class ResultJson
{
    public const int MaxFlows = 1000;
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false, MaxDepth = 16 };

    public static void Write(Utf8JsonWriter json, object? result)
    {
        switch (result)
        {
            case null:
                json.WriteNullValue();
                break;
            case Flow flow:
                FlowJson.Write(json, flow);
                break;
            case IEnumerable<Flow> flows:
                json.WriteStartArray();
                foreach (var flow in flows.Take(MaxFlows))
                {
                    FlowJson.Write(json, flow);
                }

                json.WriteEndArray();
                break;
            case ViewPage page:
                json.WriteStartObject();
                PageJson.WriteMembers(json, page);
                json.WriteEndObject();
                break;
            default:
                byte[] bytes;
                try
                {
                    bytes = JsonSerializer.SerializeToUtf8Bytes(result, result.GetType(), Options);
                }
                catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
                {
                    json.WriteStringValue(result.ToString());
                    break;
                }

                json.WriteRawValue(bytes, skipInputValidation: true);
                break;
        }
    }
}
