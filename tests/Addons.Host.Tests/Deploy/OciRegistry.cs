using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Deploy;

/// <summary>
/// A read-only container registry on loopback (Kestrel, plain HTTP, which clients allow for <c>localhost</c>) serving
/// one image from an <see cref="ImageArchive"/> under any name and tag: enough for the SDK's container publishing to
/// pull a base image where no real registry is reachable.
/// </summary>
internal sealed class OciRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OciRegistry(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The reference of the served image, such as <c>localhost:PORT/dotnet/runtime-deps:10.0</c>.</summary>
    public string Reference(string repository, string tag) => $"localhost:{Port}/{repository}:{tag}";

    public static async Task<OciRegistry> StartAsync(ImageArchive image)
    {
        var manifest = image.Index.GetProperty("manifests")[0];
        var manifestDigest = manifest.GetProperty("digest").GetString()!;
        var manifestType = manifest.GetProperty("mediaType").GetString()!;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/v2/", () => Results.Json(new { }));
        app.MapMethods("/v2/{**path}", ["GET", "HEAD"], (string path, HttpContext context) =>
        {
            // NAME/manifests/REFERENCE or NAME/blobs/DIGEST, NAME having slashes of its own.
            var parts = path.Split('/');
            if (parts.Length < 3)
            {
                return Results.NotFound();
            }

            var (kind, key) = (parts[^2], parts[^1]);
            string digest, type;
            if (kind == "manifests")
            {
                (digest, type) = (manifestDigest, manifestType);
            }
            else if (kind == "blobs" && key.StartsWith("sha256:", StringComparison.Ordinal) && File.Exists(image.BlobPath(key)))
            {
                (digest, type) = (key, "application/octet-stream");
            }
            else
            {
                return Results.NotFound();
            }

            context.Response.Headers["Docker-Content-Digest"] = digest;
            return Results.File(image.BlobPath(digest), type);
        });
        await app.StartAsync();
        return new OciRegistry(app, new Uri(app.Urls.Single()).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
