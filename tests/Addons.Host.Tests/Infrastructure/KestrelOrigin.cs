using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>A real origin server (Kestrel) on loopback, over HTTP and HTTPS with its own self-signed certificate.</summary>
internal sealed class KestrelOrigin : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelOrigin(WebApplication app, X509Certificate2 certificate, string certificatePem)
    {
        _app = app;
        Certificate = certificate;
        CertificatePemPath = certificatePem;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The origin's certificate as PEM, for the proxy's ssl_verify_upstream_trusted_ca.</summary>
    public string CertificatePemPath { get; }

    public int HttpPort { get; private set; }

    public int HttpsPort { get; private set; }

    public string Http(string path) => $"http://127.0.0.1:{HttpPort}{path}";

    public string Https(string path, string host = "localhost") => $"https://{host}:{HttpsPort}{path}";

    /// <param name="httpsProtocols">What the HTTPS endpoint speaks; HTTP/1.1 and HTTP/2 (by ALPN) unless given.</param>
    public static async Task<KestrelOrigin> StartAsync(string folder, HttpProtocols httpsProtocols = HttpProtocols.Http1AndHttp2)
    {
        var certificate = LocalhostCertificate.Create();
        var pem = Path.Combine(folder, "origin-cert.pem");
        await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem());

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = httpsProtocols;
                listen.UseHttps(certificate);
            });
        });
        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/hello", () => "hello");
        app.MapGet("/headers", (HttpContext context) => string.Join('\n', context.Request.Headers.Select(h => $"{h.Key}: {h.Value}")));
        app.MapGet("/conn", (HttpContext context) => context.Connection.Id);
        app.MapGet("/big/{size:int}", (int size) => Results.Bytes(Enumerable.Range(0, size).Select(i => (byte)('a' + (i % 26))).ToArray(), "text/plain"));
        app.MapGet("/version", (HttpContext context) => context.Request.Protocol);
        app.MapGet("/trailers", async (HttpContext context) =>
        {
            context.Response.DeclareTrailer("x-checksum");
            await context.Response.WriteAsync("with trailers");
            context.Response.AppendTrailer("x-checksum", "abc123");
        });
        app.MapGet("/scheme", (HttpContext context) => $"{context.Request.Scheme} {context.Request.Host}");
        app.MapPost("/echo", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var framing = context.Request.Headers.TransferEncoding.Count > 0 ? "chunked" : $"length={context.Request.ContentLength}";
            return $"{context.Request.Method} {framing} {body}";
        });
        app.Map("/ws", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[4096];
            while (true)
            {
                var message = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, message.Count), message.MessageType, message.EndOfMessage, CancellationToken.None);
            }
        });

        await app.StartAsync();
        var origin = new KestrelOrigin(app, certificate, pem);
        var addresses = app.Urls.Select(u => new Uri(u)).ToList();
        origin.HttpPort = addresses.Single(u => u.Scheme == "http").Port;
        origin.HttpsPort = addresses.Single(u => u.Scheme == "https").Port;
        return origin;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }
}
