using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Addons.Web;

/// <summary>
/// <c>PUT /api/flows/{id}</c> changes a held flow's request or response (<see cref="FlowEdits"/>), and
/// <c>POST /api/flows/{id}/revert</c> undoes the changes; both answer the flow as <c>GET /api/flows/{id}</c> does.
/// </summary>
internal static class EditEndpoints
{
    public static void Map(WebApplication app, WebApi api)
    {
        app.MapPut("/api/flows/{id:guid}", async (Guid id, HttpContext context) =>
        {
            if (await FlowEndpoints.FindAsync(context, api, id) is not { } flow)
            {
                return;
            }

            string? error;
            try
            {
                using var edit = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                error = api.Edits.Apply(flow, edit.RootElement);
            }
            catch (JsonException e)
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, $"The body must be JSON such as {{\"request\": {{\"method\": \"POST\"}}}}: {e.Message}");
                return;
            }

            await AnswerAsync(context, api, flow, error);
        });

        app.MapPost("/api/flows/{id:guid}/revert", async (Guid id, HttpContext context) =>
        {
            if (await FlowEndpoints.FindAsync(context, api, id) is { } flow)
            {
                await AnswerAsync(context, api, flow, api.Edits.Revert(flow));
            }
        });
    }

    private static async Task AnswerAsync(HttpContext context, WebApi api, Abstractions.Flows.Flow flow, string? error)
    {
        if (error is not null)
        {
            // A held flow refuses a bad request (400); any other refuses because of its state (409).
            await WebJson.ErrorAsync(context, flow.Intercepted ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict, error);
            return;
        }

        // The View learns of the change when the flow goes on; the page is told now.
        api.Changes.ViewChanged(flow.Id);
        await WebJson.SendAsync(context, FlowJson.Serialize(flow, api.Edits.IsModified(flow.Id)));
    }
}
