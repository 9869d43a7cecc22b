using System.Globalization;
using System.Text.Json;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Addons.Web;

/// <summary>
/// Every addon's commands and options: <c>GET /api/commands</c>, <c>POST /api/commands/{name}</c> (run as
/// <c>--command</c> runs it), <c>GET /api/options</c> and <c>PUT /api/options</c> (a runtime configure: all the
/// values or none, the rejecting addon's sentence answered with 400).
/// </summary>
internal static class CommandEndpoints
{
    /// <summary>Changes that make the View filter its flows again: the page shows a busy sign while they run.</summary>
    private static readonly HashSet<string> Refiltering = new(StringComparer.Ordinal)
    {
        "view_filter", "view_order", "view_order_reversed", "view.filter.set", "view.order.set", "view.order.reverse",
        "view.properties.marked.toggle", "view.clear_unmarked",
    };

    public static void Map(WebApplication app, WebApi api)
    {
        app.MapGet("/api/commands", (HttpContext context) => WebJson.SendAsync(context, WebJson.Array(json =>
        {
            foreach (var command in api.Commands.List())
            {
                json.WriteStartObject();
                json.WriteString("name", command.Name);
                json.WriteString("owner", command.Owner);
                json.WriteString("help", command.Help);
                json.WriteString("signature", command.Signature);
                json.WriteStartArray("parameters");
                foreach (var parameter in command.Parameters)
                {
                    json.WriteStartObject();
                    json.WriteString("name", parameter.Name);
                    json.WriteString("type", CommandParameterInfo.TypeName(parameter.Type));
                    json.WriteBoolean("optional", parameter.IsOptional);
                    json.WriteBoolean("rest", parameter.IsRest);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteString("returnType", CommandParameterInfo.TypeName(command.ResultType));
                json.WriteEndObject();
            }
        })));

        app.MapPost("/api/commands/{name}", async (string name, HttpContext context) =>
        {
            if (api.Commands.Find(name) is null)
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status404NotFound, $"No addon has a command named '{name}'; GET /api/commands lists them.");
                return;
            }

            List<string> arguments;
            try
            {
                arguments = await ReadArgumentsAsync(context);
            }
            catch (JsonException e)
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, $"The body must be {{\"arguments\": [...]}} with the command's arguments as text, numbers or booleans: {e.Message}");
                return;
            }

            object? result;
            try
            {
                result = Refiltering.Contains(name)
                    ? await api.RefilterAsync(() => api.Commands.ExecuteAsync(name, arguments, context.RequestAborted))
                    : await api.Commands.ExecuteAsync(name, arguments, context.RequestAborted);
            }
            catch (CommandException e)
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, e.Message);
                return;
            }

            await WebJson.WriteAsync(context, json =>
            {
                json.WritePropertyName("result");
                ResultJson.Write(json, result);
            });
        });

        app.MapGet("/api/options", (HttpContext context) => WebJson.SendAsync(context, WebJson.Array(json =>
        {
            foreach (var option in api.Options.All)
            {
                json.WriteStartObject();
                json.WriteString("name", option.Name);
                json.WriteString("owner", option.Owner);
                json.WriteString("type", TypeName(option.ValueType));
                json.WritePropertyName("value");
                WriteValue(json, option.CurrentValue, option.FormatValue);
                json.WritePropertyName("default");
                WriteValue(json, option.DefaultValue, () => option.DefaultValue is TimeSpan t ? t.ToString("c", CultureInfo.InvariantCulture) : option.DefaultValue?.ToString());
                json.WriteString("help", option.Help);
                if (option.Choices is { } choices)
                {
                    json.WriteStartArray("choices");
                    foreach (var choice in choices)
                    {
                        json.WriteStringValue(choice);
                    }

                    json.WriteEndArray();
                }
                else
                {
                    json.WriteNull("choices");
                }

                json.WriteEndObject();
            }
        })));

        app.MapPut("/api/options", async (HttpContext context) =>
        {
            Dictionary<string, object?> values;
            try
            {
                values = await ReadOptionsAsync(context);
            }
            catch (JsonException e)
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, $"The body must be a JSON object of option names and values, such as {{\"view_filter\": \"~d example.com\"}}: {e.Message}");
                return;
            }

            try
            {
                if (values.Keys.Any(Refiltering.Contains))
                {
                    await api.RefilterAsync(async () =>
                    {
                        await api.Options.UpdateAsync(values, context.RequestAborted);
                        return true;
                    });
                }
                else
                {
                    await api.Options.UpdateAsync(values, context.RequestAborted);
                }
            }
            catch (OptionsException e)
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, e.Message);
                return;
            }

            await WebJson.WriteAsync(context, _ => { });
        });
    }

    private static async Task<List<string>> ReadArgumentsAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        if (body.RootElement.ValueKind != JsonValueKind.Object ||
            !body.RootElement.TryGetProperty("arguments", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("no \"arguments\" array.");
        }

        var arguments = new List<string>();
        foreach (var item in list.EnumerateArray())
        {
            arguments.Add(item.ValueKind switch
            {
                JsonValueKind.String => item.GetString()!,
                JsonValueKind.Number => item.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => throw new JsonException($"argument {arguments.Count + 1} is {item.ValueKind}, not text, a number or a boolean."),
            });
        }

        return arguments;
    }

    private static async Task<Dictionary<string, object?>> ReadOptionsAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        if (body.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"the body is {body.RootElement.ValueKind}.");
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in body.RootElement.EnumerateObject())
        {
            var value = property.Value;
            values[property.Name] = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Null => null,
                JsonValueKind.Array when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) =>
                    value.EnumerateArray().Select(v => v.GetString()!).ToArray(),
                _ => throw new JsonException($"\"{property.Name}\" is {value.ValueKind}; options take text, numbers, booleans or lists of text."),
            };
        }

        return values;
    }

    private static string TypeName(Type type) =>
        type == typeof(IReadOnlyList<string>) ? "str[]" : type == typeof(TimeSpan) ? "duration" : CommandParameterInfo.TypeName(type);

    /// <summary>A value as JSON; <paramref name="format"/> writes the kinds JSON has no type for.</summary>
    private static void WriteValue(Utf8JsonWriter json, object? value, Func<string?> format)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case string text:
                json.WriteStringValue(text);
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case int number:
                json.WriteNumberValue(number);
                break;
            case long number:
                json.WriteNumberValue(number);
                break;
            case double number when double.IsFinite(number):
                json.WriteNumberValue(number);
                break;
            case IEnumerable<string> list:
                json.WriteStartArray();
                foreach (var item in list)
                {
                    json.WriteStringValue(item);
                }

                json.WriteEndArray();
                break;
            default:
                // TimeSpan, enums: as text (the current value as --set takes it).
                json.WriteStringValue(format());
                break;
        }
    }
}
