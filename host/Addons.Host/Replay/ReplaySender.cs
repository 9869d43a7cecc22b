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

    /// <summary>
    /// Sends the request on a pooled or new connection (retried once on a new one when a reused connection was stale),
    /// as the proxy sends one, with Host added from the URL when the request has none (an HTTP/2 request has none).
    /// </summary>
    private Task<ForwardOutcome> ForwardAsync(HttpFlow flow, ProxySettings settings, CancellationToken stop)
    {
        var request = flow.Request;
        var host = request.Headers.Contains("Host") ? null : RequestOrigin.FormatAuthority(request.Scheme, request.Host, request.Port);
        var forward = new Http1Forward(BodyFraming.ForRequest(request.Headers), Upgrade: false, StreamRequest: false, host);
        var sni = request.Scheme == "https" ? request.PrettyHost : null;
        return new Http1UpstreamExchange(_chain, _pool, _connector).ForwardAsync(flow, flow.Client, sni, forward, ReplayDownstream.Instance, settings, stop);
    }

    /// <summary>No client waits for a replay: interim responses are passed over, a streamed body passes and is not kept.</summary>
    private sealed class ReplayDownstream : IDownstream
    {
        public static readonly ReplayDownstream Instance = new();

        public ValueTask SendInterimAsync(ResponseHead head, CancellationToken stop) => ValueTask.CompletedTask;

        public Task CopyRequestBodyAsync(BodyFraming framing, Stream server, bool chunkedOut, CancellationToken stop) =>
            throw new InvalidOperationException("A replay sends its request body whole; it has no client to stream it from.");

        public ValueTask<StreamedResponse> StartStreamedResponseAsync(HttpFlow flow, BodyFraming framing, CancellationToken stop) =>
            ValueTask.FromResult(new StreamedResponse(Stream.Null, ChunkedOut: false, MustClose: false));
    }

    [LoggerMessage(EventId = 902, Level = LogLevel.Error, Message = "Replay {FlowId} of {Method} {Url} failed unexpectedly: {Reason}")]
    private static partial void LogCrashed(ILogger logger, Guid flowId, string method, string url, string reason, Exception exception);

    [LoggerMessage(EventId = 901, Level = LogLevel.Warning, Message = "Replay {FlowId} of {Method} {Url} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid flowId, string method, string url, string reason);
}
