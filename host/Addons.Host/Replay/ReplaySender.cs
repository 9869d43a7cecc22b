using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Diagnostics;
using Addons.Host.Proxy;
using Addons.Host.Proxy.Http1;
using Addons.Host.Proxy.Upstream;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Replay;

/// <summary>
/// Replays one request as the proxy forwards a client's (mitmproxy's ReplayHandler): <c>requestheaders</c> and
/// <c>request</c>, then upstream through the proxy's own connector (its <c>server_connect</c> hooks, its timeouts, TLS
/// verified as the proxy verifies it, ssl_insecure and the extra CAs honoured) on keep-alive connections of its own
/// pool, then <c>responseheaders</c> and <c>response</c>, or <c>error</c> with a sentence saying what failed. An addon
/// may answer the request itself, hold the flow or kill it, as with a captured flow.
/// </summary>
internal sealed partial class ReplaySender : IAsyncDisposable
{
    /// <summary>The error of a replay cut short because the host is stopping.</summary>
    internal const string StoppedMessage = "The host stopped before the replay finished.";

    private readonly AddonChain _chain;
    private readonly UpstreamConnector _connector;
    private readonly ProxyAddon _proxy;
    private readonly UpstreamPool _pool;
    private readonly ILogger<ReplaySender> _logger;

    public ReplaySender(AddonChain chain, UpstreamConnector connector, ProxyAddon proxy, HostMetrics metrics, ILogger<ReplaySender> logger)
    {
        _chain = chain;
        _connector = connector;
        _proxy = proxy;
        _logger = logger;
        _pool = new UpstreamPool(metrics)
        {
            Closed = connection => chain.InvokeAsync(Hook.ServerDisconnected,
                new ServerConnectionContext(connection.LastClient, connection.Model, CancellationToken.None)),
        };
    }

    /// <summary>Runs the flow through the hooks and upstream; returns once its last hook ran. Never throws for the flow's own failures.</summary>
    public async Task ReplayAsync(HttpFlow flow, CancellationToken stop)
    {
        var request = flow.Request;
        request.TimestampStart = DateTimeOffset.UtcNow;
        request.TimestampEnd = request.TimestampStart;
        flow.Live = true;
        var ended = false;
        try
        {
            if (!await _chain.StepAsync(Hook.RequestHeaders, flow, stop).ConfigureAwait(false) || !await _chain.StepAsync(Hook.Request, flow, stop).ConfigureAwait(false))
            {
                ended = true;
                return;
            }

            if (flow.Response is not null)
            {
                // An addon answered in requestheaders or request: nothing goes upstream.
                ended = true;
                await _chain.StepAsync(Hook.Response, flow, stop).ConfigureAwait(false);
                return;
            }

            var outcome = await ForwardAsync(flow, _proxy.Settings, stop).ConfigureAwait(false);
            ended = true;
            if (outcome.Failure is { } failure)
            {
                // A flow killed while it waited for the server ends with the kill, not with what the server did.
                if (!flow.IsKilled)
                {
                    LogFailed(_logger, flow.Id, request.Method, request.Url, failure.Message);
                    flow.Error = new FlowError(failure.Message, DateTimeOffset.UtcNow);
                }

                await _chain.StepAsync(Hook.Error, flow, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Exactly one of response or error, as for every flow: the addons that keep finished flows see it end.
            if (!ended && flow.Error is null && flow.Response?.TimestampEnd is null)
            {
                await _chain.FailAsync(flow, StoppedMessage).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failure nothing above foresaw ends this replay only, said with its flow; the queue goes on.
            LogCrashed(_logger, flow.Id, request.Method, request.Url, ex.Message, ex);
            if (!ended && flow.Error is null)
            {
                await _chain.FailAsync(flow, $"The replay failed: {ex.Message}").ConfigureAwait(false);
            }
        }
        finally
        {
            flow.Live = false;
        }
    }

    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    /// <summary>Sends the request on a pooled or new connection, retrying once on a new one if a reused connection was stale.</summary>
    private async Task<ForwardOutcome> ForwardAsync(HttpFlow flow, ProxySettings settings, CancellationToken stop)
    {
        var request = flow.Request;
        var key = new UpstreamKey(request.Scheme, request.Host, request.Port, request.Scheme == "https" ? request.PrettyHost : null);
        for (var attempt = 0; ; attempt++)
        {
            UpstreamConnection connection;
            try
            {
                connection = (attempt == 0 ? await _pool.TakeAsync(key).ConfigureAwait(false) : null)
                    ?? await _connector.ConnectAsync(key, flow.Client, settings, stop).ConfigureAwait(false);
            }
            catch (UpstreamException ex)
            {
                return ForwardOutcome.Failed(ex.StatusCode, ex.Message);
            }

            connection.LastClient = flow.Client;
            connection.Uses++;
            flow.Server = connection.Model;
            var reused = connection.Uses > 1;
            ForwardOutcome outcome;
            try
            {
                outcome = await ExchangeAsync(flow, connection, settings, stop).ConfigureAwait(false);
            }
            catch
            {
                await _pool.CloseAsync(connection).ConfigureAwait(false);
                throw;
            }

            if (outcome.RetryOnFreshConnection && reused && attempt == 0)
            {
                await _pool.CloseAsync(connection).ConfigureAwait(false);
                continue;
            }

            if (outcome.ReturnToPool)
            {
                await _pool.ReturnAsync(connection).ConfigureAwait(false);
            }
            else
            {
                await _pool.CloseAsync(connection).ConfigureAwait(false);
            }

            return outcome;
        }
    }

    private async Task<ForwardOutcome> ExchangeAsync(HttpFlow flow, UpstreamConnection connection, ProxySettings settings, CancellationToken stop)
    {
        var request = flow.Request;
        var sent = false;
        using var deadline = new ReadDeadline(settings.UpstreamTimeout, stop);
        try
        {
            await connection.Stream.WriteAsync(RequestBytes(request), stop).ConfigureAwait(false);
            sent = true;
            request.TimestampEnd = DateTimeOffset.UtcNow;

            var head = await ReadResponseHeadAsync(connection.Reader, settings.Limits, deadline).ConfigureAwait(false);
            if (head is null)
            {
                return connection.Uses > 1
                    ? ForwardOutcome.Retry
                    : ForwardOutcome.Failed(502, $"{connection.Key} closed the connection without a response.");
            }

            var response = new HttpResponse
            {
                HttpVersion = head.Version,
                StatusCode = head.StatusCode,
                Reason = head.Reason,
                Headers = head.Headers,
                TimestampStart = DateTimeOffset.UtcNow,
            };
            flow.Response = response;
            if (!await _chain.StepAsync(Hook.ResponseHeaders, flow, stop).ConfigureAwait(false))
            {
                return ForwardOutcome.Killed;
            }

            var framing = BodyFraming.ForResponse(head.Headers, request.Method, head.StatusCode);
            var reusable = framing.Kind != BodyKind.UntilClose && head.StatusCode != 101 && head.Version == "HTTP/1.1" &&
                           !Http1Writer.HasConnectionOption(head.Headers, "close");
            if (!response.Stream && settings.StreamLargeBodies is { } limit && framing.Kind == BodyKind.ContentLength && framing.Length > limit)
            {
                response.Stream = true;
            }

            try
            {
                if (response.Stream && framing.Kind != BodyKind.None)
                {
                    // No client waits for a streamed body: it passes and is not kept, as the proxy does not keep it.
                    await Http1BodyCopier.CopyAsync(connection.Reader, framing, Stream.Null, chunkedOut: false, settings.Limits, 502, deadline).ConfigureAwait(false);
                    response.Content = null;
                }
                else
                {
                    (response.Content, response.Trailers) = await Http1BodyReader.ReadAsync(connection.Reader, framing, settings.Limits, 502, deadline).ConfigureAwait(false);
                }
            }
            catch (IOException ex)
            {
                return ForwardOutcome.Failed(502, $"{connection.Key} closed the connection in the middle of the response body: {ex.Message}");
            }

            response.TimestampEnd = DateTimeOffset.UtcNow;
            return await _chain.StepAsync(Hook.Response, flow, stop).ConfigureAwait(false)
                ? ForwardOutcome.Completed(framing, reusable)
                : ForwardOutcome.Killed;
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            return ForwardOutcome.Failed(504, $"{connection.Key} did not answer within {settings.UpstreamTimeout.TotalSeconds:0.###} s.");
        }
        catch (MalformedMessageException ex)
        {
            return ForwardOutcome.Failed(502, $"{connection.Key} sent an invalid response: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            return !sent || connection.Uses > 1
                ? ForwardOutcome.Retry with { Failure = new UpstreamFailure(502, $"The connection to {connection.Key} failed: {ex.Message}") }
                : ForwardOutcome.Failed(502, $"The connection to {connection.Key} failed: {ex.Message}");
        }
    }

    /// <summary>
    /// The request as it goes upstream: its recorded header fields (Host added from the URL when it has none, as an
    /// HTTP/2 request has none), framed for the body it holds.
    /// </summary>
    private static ReadOnlyMemory<byte> RequestBytes(HttpRequest request)
    {
        var body = request.Content ?? [];
        var framing = request.Headers.GetAll("Transfer-Encoding").Count > 0 ? OutgoingFraming.Chunked
            : body.Length > 0 || request.Headers.Contains("Content-Length") ? OutgoingFraming.ContentLength
            : OutgoingFraming.None;
        var hostHeader = request.Headers.Contains("Host") ? null : RequestOrigin.FormatAuthority(request.Scheme, request.Host, request.Port);
        var output = new ArrayBufferWriter<byte>(1024 + body.Length);
        Http1Writer.WriteRequestHead(output, request, request.Path, framing, body.Length, upgrade: false, hostHeader);
        Http1Writer.WriteBody(output, body, framing, request.Trailers);
        return output.WrittenMemory;
    }

    /// <summary>The final response head; interim (1xx) responses have no client to go to and are passed over.</summary>
    private static async Task<ResponseHead?> ReadResponseHeadAsync(PipeReader reader, HttpLimits limits, ReadDeadline deadline)
    {
        while (true)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (HttpHeadParser.TryParseResponse(ref buffer, limits, out var head))
            {
                reader.AdvanceTo(buffer.Start);
                if (head!.StatusCode is >= 100 and < 200 && head.StatusCode != 101)
                {
                    continue;
                }

                return head;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (buffer.IsEmpty)
                {
                    return null;
                }

                throw new MalformedMessageException(502, "the connection closed in the middle of the response head");
            }
        }
    }

    [LoggerMessage(EventId = 902, Level = LogLevel.Error, Message = "Replay {FlowId} of {Method} {Url} failed unexpectedly: {Reason}")]
    private static partial void LogCrashed(ILogger logger, Guid flowId, string method, string url, string reason, Exception exception);

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "Replay {FlowId} of {Method} {Url} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid flowId, string method, string url, string reason);
}
