using System.Text.Json;
using Addons.Abstractions.Flows;
using Addons.Host.Dump;

namespace Addons.Host.Control;

/// <summary>
/// A command's result as JSON: a flow as the dump's <c>--json</c> object (its id, type, URL, status...), a list of
/// flows as an array of those, anything else as System.Text.Json writes it.
/// </summary>
internal static class CommandResultJson
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public static void Write(Utf8JsonWriter json, object? result)
    {
        switch (result)
        {
            case null:
                json.WriteNullValue();
                break;
            case Flow flow:
                json.WriteRawValue(DumpAddon.Json(flow), skipInputValidation: true);
                break;
            case IEnumerable<Flow> flows:
                json.WriteStartArray();
                foreach (var flow in flows)
                {
                    json.WriteRawValue(DumpAddon.Json(flow), skipInputValidation: true);
                }

                json.WriteEndArray();
                break;
            default:
                JsonSerializer.Serialize(json, result, result.GetType(), Options);
                break;
        }
    }
}
