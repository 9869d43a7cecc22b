using System.Net;
using System.Security.Cryptography.X509Certificates;
using Addons.Host.Tests.Proxy.Grpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// A gRPC origin: Kestrel on 127.0.0.1 over TLS with its own self-signed certificate for localhost, serving
/// <c>addons.tests.Echoer</c> (Proxy/Grpc/echo.proto). The endpoint speaks HTTP/1.1 and HTTP/2 (chosen by ALPN), so a
/// client that reaches it over HTTP/1.1 gets gRPC's own answer to that (status 426, grpc-status INTERNAL, "Request
/// protocol 'HTTP/1.1' is not supported.") rather than a failed handshake.
/// </summary>
internal sealed class GrpcOrigin : IAsyncDisposable
{
    /// <summary>The method whose grpc-timeout the origin drops, so that only the client's deadline ends it.</summary>
    public const string SlowPath = "/addons.tests.Echoer/Slow";

    /// <summary>The trailer x-reason of every Fail call.</summary>
    public const string FailReason = "the test asked for a failed precondition";

    private readonly WebApplication _app;

    private GrpcOrigin(WebApplication app, X509Certificate2 certificate, string pem, int port, SlowCalls slow)
    {
        _app = app;
        Certificate = certificate;
        CertificatePemPath = pem;
        Port = port;
        Slow = slow;
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>The origin's certificate as PEM, for the proxy's ssl_verify_upstream_trusted_ca.</summary>
    public string CertificatePemPath { get; }

    public int Port { get; }

    /// <summary>The address a client dials: https://localhost:PORT (the name the certificate is for).</summary>
    public string Address => $"https://localhost:{Port}";

    /// <summary>What the origin saw of its Slow calls.</summary>
    public SlowCalls Slow { get; }

    public static async Task<GrpcOrigin> StartAsync(string folder)
    {
        var certificate = LocalhostCertificate.Create();
        var pem = await LocalhostCertificate.WritePemAsync(certificate, folder, "grpc-origin-cert.pem");
        var slow = new SlowCalls();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }));
        builder.Services.AddGrpc(grpc => grpc.EnableDetailedErrors = true);
        builder.Services.AddSingleton(slow);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == SlowPath)
            {
                // gRPC servers enforce grpc-timeout themselves; this one forgets it, so that the call runs until the
                // client (or the proxy on its behalf) cancels it, and the test sees who ended it.
                slow.Record(context.Request.Headers["grpc-timeout"].ToString(), context.Request.Protocol);
                context.Request.Headers.Remove("grpc-timeout");
            }

            await next(context);
        });
        app.MapGrpcService<EchoerService>();
        await app.StartAsync();
        var port = new Uri(app.Urls.Single()).Port;
        return new GrpcOrigin(app, certificate, pem, port, slow);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    /// <summary>The Slow calls the origin received: the grpc-timeout each came with, and how the last one ended.</summary>
    internal sealed class SlowCalls
    {
        private readonly TaskCompletionSource<string> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string? GrpcTimeout { get; private set; }

        public string? Protocol { get; private set; }

        /// <summary>"cancelled" when the call was aborted before its delay was over, "completed" when it answered.</summary>
        public Task<string> Ended => _ended.Task;

        public void Record(string grpcTimeout, string protocol)
        {
            GrpcTimeout = grpcTimeout;
            Protocol = protocol;
        }

        public void End(string how) => _ended.TrySetResult(how);
    }

    /// <summary>The service: one method of each kind of call, see echo.proto.</summary>
    private sealed class EchoerService(SlowCalls slow) : Echoer.EchoerBase
    {
        public override Task<EchoReply> Echo(EchoRequest request, ServerCallContext context) =>
            Task.FromResult(new EchoReply { Text = request.Text });

        public override async Task Count(CountRequest request, IServerStreamWriter<Number> responseStream, ServerCallContext context)
        {
            for (var i = 1; i <= request.N; i++)
            {
                await responseStream.WriteAsync(new Number { Value = i }, context.CancellationToken);
            }
        }

        public override async Task<Number> Sum(IAsyncStreamReader<Number> requestStream, ServerCallContext context)
        {
            long sum = 0;
            await foreach (var number in requestStream.ReadAllAsync(context.CancellationToken))
            {
                sum += number.Value;
            }

            return new Number { Value = sum };
        }

        public override async Task Chat(IAsyncStreamReader<EchoRequest> requestStream, IServerStreamWriter<EchoReply> responseStream, ServerCallContext context)
        {
            await foreach (var message in requestStream.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(new EchoReply { Text = message.Text }, context.CancellationToken);
            }
        }

        public override async Task<EchoReply> Fail(FailRequest request, ServerCallContext context)
        {
            if (request.HeadersFirst)
            {
                await context.WriteResponseHeadersAsync(new Metadata { { "x-early", "yes" } });
            }

            // Header values are ASCII: the text itself goes in a binary trailer (base64 on the wire).
            throw new RpcException(
                new Status(StatusCode.FailedPrecondition, request.Text),
                new Metadata { { "x-reason", FailReason }, { "x-text-bin", System.Text.Encoding.UTF8.GetBytes(request.Text) } });
        }

        public override async Task<EchoReply> Slow(SlowRequest request, ServerCallContext context)
        {
            try
            {
                await Task.Delay(request.DelayMs, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                slow.End("cancelled");
                throw;
            }

            slow.End("completed");
            return new EchoReply { Text = "slow" };
        }
    }
}
