using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Addons.Web;

/// <summary>
/// The page, served from the files embedded in this assembly (<c>wwwroot/</c>): nothing on disk to lose, nothing
/// fetched from anywhere else, and a content security policy that lets the page load only from this server.
/// </summary>
internal static class StaticAssets
{
    private const string Policy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
    };

    public static void Map(WebApplication app)
    {
        var assembly = typeof(StaticAssets).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)))
        {
            var bytes = Read(assembly, resource);
            var file = resource["wwwroot".Length..];
            var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
            RequestDelegate serve = context =>
            {
                context.Response.ContentType = type;
                context.Response.ContentLength = bytes.Length;
                context.Response.Headers.ContentSecurityPolicy = Policy;
                return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
            };
            app.MapGet(file, serve);
            if (file == "/index.html")
            {
                app.MapGet("/", serve);
            }
        }
    }

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
