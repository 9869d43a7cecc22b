using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Abstractions.View;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Addons.Web;

/// <summary>
/// Flow files in and out: <c>GET /api/flows/download</c> writes the flows a selector picks as mitmproxy's format,
/// HAR or a session file (through the host's <c>save.file</c>, so the file is what <c>-w</c> writes), and
/// <c>POST /api/flows/upload</c> reads a file of any format the host reads into the View.
/// </summary>
internal static class FileEndpoints
{
    private static readonly Dictionary<string, string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mitm"] = ".mitm",
        ["har"] = ".har",
        ["session"] = ".session",
    };

    public static void Map(WebApplication app, WebApi api)
    {
        app.MapGet("/api/flows/download", DownloadAsync);
        app.MapPost("/api/flows/upload", UploadAsync);

        async Task DownloadAsync(HttpContext context)
        {
            var format = context.Request.Query["format"].ToString();
            format = format.Length == 0 ? "mitm" : format;
            var selector = context.Request.Query["flows"].ToString();
            selector = selector.Length == 0 ? "@shown" : selector;
            if (!Extensions.TryGetValue(format, out var extension))
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, $"format must be mitm, har or session, not \"{format}\".");
                return;
            }

            if (format == "session" && !api.FlowFiles.Formats.Contains("session"))
            {
                await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, "Session files need the Session plugin; enable it in plugins.json, or download as mitm or har.");
                return;
            }

            if (api.Commands.Find("save.file") is null || !await FlowEndpoints.RequireViewAsync(context, api))
            {
                if (!context.Response.HasStarted)
                {
                    await WebJson.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "The host offers no save.file command, so flows cannot be downloaded.");
                }

                return;
            }

            var folder = Directory.CreateTempSubdirectory("addons-web-");
            try
            {
                var name = "flows" + extension;
                var path = Path.Combine(folder.FullName, name);
                try
                {
                    await api.Commands.ExecuteAsync("save.file", [selector, path], context.RequestAborted);
                }
                catch (CommandException e)
                {
                    await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, e.Message);
                    return;
                }

                context.Response.ContentType = format == "har" ? "application/json" : "application/octet-stream";
                context.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = name }.ToString();
                await context.Response.SendFileAsync(path, context.RequestAborted);
            }
            finally
            {
                folder.Delete(recursive: true);
            }
        }

        async Task UploadAsync(HttpContext context)
        {
            if (!await FlowEndpoints.RequireViewAsync(context, api))
            {
                return;
            }

            // Formats are recognised by their first bytes and their name, so the file keeps the name it had.
            var name = Path.GetFileName(context.Request.Query["name"].ToString());
            name = name.Length == 0 || name is "." or ".." ? "upload" : name;
            var folder = Directory.CreateTempSubdirectory("addons-web-");
            try
            {
                var path = Path.Combine(folder.FullName, name);
                await using (var file = File.Create(path))
                {
                    await context.Request.Body.CopyToAsync(file, context.RequestAborted);
                }

                var skipped = new List<string>();
                var flows = new List<Flow>();
                string? error = null;
                try
                {
                    // Copies with new ids, as view.flows.load makes: a file loaded twice shows twice.
                    foreach (var flow in api.FlowFiles.Read(path, reason => skipped.Add(reason.Replace(path, name, StringComparison.Ordinal))))
                    {
                        flows.Add(flow.Copy());
                    }
                }
                catch (Exception e) when (e is FormatException or IOException)
                {
                    error = e.Message.Replace(path, name, StringComparison.Ordinal);
                }

                if (flows.Count == 0 && error is not null)
                {
                    await WebJson.ErrorAsync(context, StatusCodes.Status400BadRequest, error);
                    return;
                }

                if (flows.Count > 0)
                {
                    await api.Bus.PublishAsync(new FlowsLoaded { Flows = flows }, context.RequestAborted);
                }

                await WebJson.WriteAsync(context, json =>
                {
                    json.WriteNumber("loaded", flows.Count);
                    json.WriteString("error", error);
                    json.WriteStartArray("skipped");
                    foreach (var reason in skipped.Take(20))
                    {
                        json.WriteStringValue(reason);
                    }

                    json.WriteEndArray();
                });
            }
            finally
            {
                folder.Delete(recursive: true);
            }
        }
    }
}
