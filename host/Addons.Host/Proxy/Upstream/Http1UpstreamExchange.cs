using System.Buffers;
using System.Net.Sockets;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Proxy.Http1;

namespace Addons.Host.Proxy.Upstream;

/// <summary>
/// One HTTP/1 request sent upstream and its response read into the flow, on a pooled connection or a new one (retried
/// once on a new one when a reused connection turns out stale), with the response hooks on the way. What the side
/// waiting for the response does with interim responses, a streamed request body and a streamed response is
/// <see cref="IDownstream"/>'s: the proxy's client connection, or a replay. Not thread-safe: one exchange at a time.
/// </summary>
internal sealed class Http1UpstreamExchange(AddonChain chain, UpstreamPool pool, UpstreamConnector connector)
{
    private readonly AddonChain _chain = chain;
    private readonly UpstreamPool _pool = pool;
    private readonly UpstreamConnector _connector = connector;
    private readonly ArrayBufferWriter<byte> _output = new(4096);

    /// <summary>Closes a connection taken out of the pool for good, such as one upgraded to a WebSocket.</summary>
    public ValueTask CloseAsync(UpstreamConnection connection) => _pool.CloseAsync(connection);

    /// <summary>Sends the request upstream and reads the response into the flow, retrying once if a reused connection was stale.</summary>
    public async Task<ForwardOutcome> ForwardAsync(HttpFlow flow, ClientConnection client, string? sni, Http1Forward forward, IDownstream downstream, ProxySettings settings, CancellationToken stop)
    {
        var request = flow.Request;
        var (requestFraming, upgrade, streamRequest, _) = forward;
        var key = new UpstreamKey(request.Scheme, request.Host, request.Port, request.Scheme == "https" ? sni : null);
        for (var attempt = 0; ; attempt++)
        {
            UpstreamConnection connection;
            try
            {
                // A retry goes to a fresh connection: the pool may hold more stale ones.
                connection = (attempt == 0 ? await _pool.TakeAsync(key).ConfigureAwait(false) : null)
                    ?? await _connector.ConnectAsync(key, client, settings, stop).ConfigureAwait(false);
            }
            catch (UpstreamException ex)
            {
                return ForwardOutcome.Failed(ex.StatusCode, ex.Message);
            }

            connection.LastClient = client;
            connection.Uses++;
            flow.Server = connection.Model;
            var reused = connection.Uses > 1;
            var outcome = await ExchangeAsync(flow, connection, forward, downstream, settings, stop).ConfigureAwait(false);
            if (outcome.RetryOnFreshConnection && reused && attempt == 0 && !streamRequest)
            {
                await _pool.CloseAsync(connection).ConfigureAwait(false);
                continue;
            }

            if (outcome.Upgraded is null)
            {
                if (outcome.ReturnToPool)
                {
                    await _pool.ReturnAsync(connection).ConfigureAwait(false);
                }
                else
                {
                    await _pool.CloseAsync(connection).ConfigureAwait(false);
                }
            }

            return outcome;
        }
    }

    private async Task<ForwardOutcome> ExchangeAsync(HttpFlow flow, UpstreamConnection connection, Http1Forward forward, IDownstream downstream, ProxySettings settings, CancellationToken stop)
    {
        var request = flow.Request;
        var (requestFraming, upgrade, streamRequest, _) = forward;
        var sent = false;
        using var deadline = new ReadDeadline(settings.UpstreamTimeout, stop);
        try
        {
            var body = request.Content ?? [];
            // A streamed HTTP/2 request has no HTTP/1 framing of its own: without a length it goes chunked.
            var framing = streamRequest ? (request.IsHttp2 && requestFraming.Kind == BodyKind.Chunked ? OutgoingFraming.Chunked : OutgoingFraming.HeadersOnly)
                : requestFraming.Kind == BodyKind.Chunked ? OutgoingFraming.Chunked
                : body.Length > 0 || request.Headers.Contains("Content-Length") ? OutgoingFraming.ContentLength
                : OutgoingFraming.None;
            _output.ResetWrittenCount();
            Http1Writer.WriteRequestHead(_output, request, request.Path, framing, body.Length, upgrade, forward.HostHeader);
            if (streamRequest)
            {
                await connection.Stream.WriteAsync(_output.WrittenMemory, stop).ConfigureAwait(false);
            }
            else
            {
                await Http1Writer.SendAsync(_output, connection.Stream, body, framing, request.Trailers, stop).ConfigureAwait(false);
            }

            sent = true;
            if (streamRequest)
            {
                await downstream.CopyRequestBodyAsync(requestFraming, connection.Stream, chunkedOut: true, stop).ConfigureAwait(false);
                request.TimestampEnd = DateTimeOffset.UtcNow;
                if (!await _chain.StepAsync(Hook.Request, flow, stop).ConfigureAwait(false))
                {
                    return ForwardOutcome.Killed;
                }
            }

            var head = await ReadResponseHeadAsync(connection, downstream, settings, deadline, upgrade).ConfigureAwait(false);
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

            if (upgrade && head.StatusCode == 101)
            {
                response.Content = [];
                response.TimestampEnd = DateTimeOffset.UtcNow;
                return await _chain.StepAsync(Hook.Response, flow, stop).ConfigureAwait(false)
                    ? ForwardOutcome.Upgrade(connection)
                    : ForwardOutcome.Killed;
            }

            var framing2 = BodyFraming.ForResponse(head.Headers, request.Method, head.StatusCode);
            var reusable = framing2.Kind != BodyKind.UntilClose && head.Version == "HTTP/1.1" && !Http1Writer.HasConnectionOption(head.Headers, "close");
            if (!response.Stream && settings.StreamLargeBodies is { } limit && framing2.Kind == BodyKind.ContentLength && framing2.Length > limit)
            {
                response.Stream = true;
            }

            if (response.Stream && framing2.Kind != BodyKind.None)
            {
                return await StreamResponseAsync(flow, connection, framing2, reusable, downstream, settings, deadline, stop).ConfigureAwait(false);
            }

            try
            {
                (response.Content, response.Trailers) = await Http1BodyReader.ReadAsync(connection.Reader, framing2, settings.Limits, 502, deadline).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                // The client sees the connection close: a partial response must not look complete.
                return ForwardOutcome.Failed(0, $"{connection.Key} closed the connection in the middle of the response body: {ex.Message}");
            }

            response.TimestampEnd = DateTimeOffset.UtcNow;
            if (!await _chain.StepAsync(Hook.Response, flow, stop).ConfigureAwait(false))
            {
                return ForwardOutcome.Killed;
            }

            return ForwardOutcome.Completed(framing2, reusable);
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

    /// <summary>Sends the response head at once and the body as it arrives, without storing it; then the response hook.</summary>
    private async Task<ForwardOutcome> StreamResponseAsync(HttpFlow flow, UpstreamConnection connection, BodyFraming framing, bool reusable, IDownstream downstream, ProxySettings settings, ReadDeadline deadline, CancellationToken stop)
    {
        var response = flow.Response!;
        var (body, chunkedOut, mustClose) = await downstream.StartStreamedResponseAsync(flow, framing, stop).ConfigureAwait(false);
        try
        {
            await Http1BodyCopier.CopyAsync(connection.Reader, framing, body, chunkedOut, settings.Limits, 502, deadline).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or MalformedMessageException)
        {
            return ForwardOutcome.Failed(0, $"The streamed response from {connection.Key} broke off: {ex.Message}");
        }

        response.Content = null;
        response.TimestampEnd = DateTimeOffset.UtcNow;
        return await _chain.StepAsync(Hook.Response, flow, stop).ConfigureAwait(false)
            ? ForwardOutcome.Streamed(reusable, mustClose)
            : ForwardOutcome.Killed;
    }

    /// <summary>Reads the final response head, passing interim (1xx) responses on as they come.</summary>
    private static async Task<ResponseHead?> ReadResponseHeadAsync(UpstreamConnection connection, IDownstream downstream, ProxySettings settings, ReadDeadline deadline, bool upgrade)
    {
        var reader = connection.Reader;
        while (true)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (HttpHeadParser.TryParseResponse(ref buffer, settings.Limits, out var head))
            {
                reader.AdvanceTo(buffer.Start);
                if (head!.StatusCode is >= 100 and < 200 && !(head.StatusCode == 101 && upgrade))
                {
                    if (head.StatusCode != 100)
                    {
                        await downstream.SendInterimAsync(head, deadline.Outer).ConfigureAwait(false);
                    }

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
}
