using System.Globalization;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Addons.Web;

/// <summary>
/// The View's flows: <c>GET /api/flows</c> (a page in the View's order and filter), <c>GET /api/flows/{id}</c> (one
/// flow in full) and <c>GET /api/flows/{id}/request|response/content</c> (a body, raw or decoded).
/// </summary>
internal static class FlowEndpoints
{
    public static void Map(WebApplication app, WebApi api)
    {
        app.MapGet("/api/flows", async (HttpContext context) =>
        {
            if (!await RequireViewAsync(context, api))
            {
                return;
            }

            if (!TryQueryInt(context, "offset", 0, out var offset) || !TryQueryInt(context, "limit", 100, out var limit))
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, "offset and limit must be whole numbers, such as ?offset=0&limit=100.");
                return;
            }

            try
            {
                var page = await api.PageAsync(offset, limit, context.RequestAborted);
                await WebJson.WriteAsync(context, json => PageJson.WriteMembers(json, page));
            }
            catch (CommandException e)
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, e.Message);
            }
        });

        app.MapGet("/api/flows/{id:guid}", async (Guid id, HttpContext context) =>
        {
            if (await FindAsync(context, api, id) is { } flow)
            {
                await WebJson.SendAsync(context, FlowJson.Serialize(flow, api.Edits.IsModified(flow.Id)));
            }
        });

        app.MapGet("/api/flows/{id:guid}/{side}/content", async (Guid id, string side, HttpContext context) =>
        {
            if (side is not ("request" or "response"))
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status404NotFound, $"A flow's content is at .../request/content or .../response/content, not .../{side}/content.");
                return;
            }

            if (await FindAsync(context, api, id) is not { } flow)
            {
                return;
            }

            HttpMessage? message = flow is HttpFlow http ? side == "request" ? http.Request : http.Response : null;
            if (message?.Content is not { } content)
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status404NotFound, $"Flow {id} has no {side} body.");
                return;
            }

            var decode = string.Equals(context.Request.Query["decode"], "true", StringComparison.OrdinalIgnoreCase);
            if (decode)
            {
                try
                {
                    content = BodyDecoding.Decode(content, message.Headers["Content-Encoding"]);
                }
                catch (InvalidDataException e)
                {
                    await WebJson.ErrorAsync(context, StatusCodes.Status422UnprocessableEntity, $"Flow {id}'s {side}: {e.Message}");
                    return;
                }
            }
            else if (message.Headers["Content-Encoding"] is { } encoding)
            {
                context.Response.Headers["X-Content-Encoding"] = encoding;
            }

            // A captured body is the remote site's content: never let the browser run it as this origin's page.
            context.Response.Headers.ContentSecurityPolicy = "sandbox";
            context.Response.ContentType = message.Headers["Content-Type"] ?? "application/octet-stream";
            context.Response.ContentLength = content.Length;
            await context.Response.Body.WriteAsync(content, context.RequestAborted);
        });
    }

    /// <summary>The flow with this id, or false after answering 404 (or 503 without the View).</summary>
    public static async Task<Flow?> FindAsync(HttpContext context, WebApi api, Guid id)
    {
        if (!await RequireViewAsync(context, api))
        {
            return null;
        }

        Flow? flow;
        try
        {
            flow = await api.FlowAsync(id, context.RequestAborted);
        }
        catch (CommandException e)
        {
            await WebJson.ErrorAsync(context, StatusCodes.Status500InternalServerError, $"Flow {id} cannot be read: {e.Message}");
            return null;
        }

        if (flow is null)
        {
            await WebJson.ErrorAsync(context, StatusCodes.Status404NotFound, $"The View has no flow {id}; it may have been removed.");
        }

        return flow;
    }

    public static async Task<bool> RequireViewAsync(HttpContext context, WebApi api)
    {
        if (api.HasView)
        {
            return true;
        }

        await WebJson.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "The View plugin is not loaded, so there are no flows to show; enable it in plugins.json.");
        return false;
    }

    private static bool TryQueryInt(HttpContext context, string name, int fallback, out int value)
    {
        var text = context.Request.Query[name].ToString();
        value = fallback;
        return text.Length == 0 || int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
