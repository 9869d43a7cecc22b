using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Addons.Abstractions.Commands;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Addons.Host.Control;

/// <summary>
/// The control endpoint's API, every request behind the token (<c>Authorization: Bearer TOKEN</c>):
/// <c>GET /api/commands</c> lists the commands; <c>POST /api/commands/NAME</c> with a JSON array of text arguments runs
/// one and answers <c>{"result": ...}</c>, or <c>{"error": "..."}</c> with 400 (a command's own error) or 404 (no such
/// command). <c>GET /health/live</c> answers 200 while the process serves requests; <c>GET /health/ready</c> runs the
/// readiness checks and answers 200 (healthy or degraded) or 503 (unhealthy) with each check's status and description.
/// </summary>
internal static class ControlEndpoints
{
    public static void Map(WebApplication app, string token, ICommandRegistry commands)
    {
        var expected = Encoding.UTF8.GetBytes("Bearer " + token);
        app.Use(async (context, next) =>
        {
            var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, expected))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await WriteAsync(context, json => json.WriteString("error", "This endpoint needs the token of the host's control.json (Authorization: Bearer TOKEN)."));
                return;
            }

            await next(context);
        });

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealthAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteHealthAsync });

        app.MapGet("/api/commands", (HttpContext context) => WriteAsync(context, json =>
        {
            json.WriteStartArray("commands");
            foreach (var command in commands.List())
            {
                json.WriteStartObject();
                json.WriteString("name", command.Name);
                json.WriteString("signature", command.Signature);
                json.WriteString("owner", command.Owner);
                json.WriteString("help", command.Help);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }));

        app.MapPost("/api/commands/{name}", async (string name, HttpContext context) =>
        {
            string[] arguments;
            try
            {
                arguments = await JsonSerializer.DeserializeAsync<string[]>(context.Request.Body, cancellationToken: context.RequestAborted) ?? [];
            }
            catch (JsonException e)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await WriteAsync(context, json => json.WriteString("error", $"The body must be a JSON array of the command's arguments as text, such as [\"@all\"]: {e.Message}"));
                return;
            }

            if (commands.Find(name) is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await WriteAsync(context, json => json.WriteString("error", $"No addon has a command named '{name}'; GET /api/commands lists them."));
                return;
            }

            object? result;
            try
            {
                result = await commands.ExecuteAsync(name, arguments, context.RequestAborted);
            }
            catch (CommandException e)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await WriteAsync(context, json => json.WriteString("error", e.Message));
                return;
            }

            await WriteAsync(context, json =>
            {
                json.WritePropertyName("result");
                CommandResultJson.Write(json, result);
            });
        });
    }

    /// <summary>The health report as JSON: the overall status, then each check's status, description and data.</summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report) => WriteAsync(context, json =>
    {
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            if (entry.Data.Count > 0)
            {
                json.WriteStartObject("data");
                foreach (var (key, value) in entry.Data)
                {
                    json.WriteString(key, value?.ToString());
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    });

    /// <summary>Answers one JSON object whose members <paramref name="members"/> writes.</summary>
    private static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> members)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            members(json);
            json.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }
}
