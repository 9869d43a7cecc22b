using System.Buffers;
using System.Globalization;
using System.Net.Security;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Proxy.Http1;
using Addons.Host.Proxy.Upstream;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// Sends one flow's request to an HTTPS server over HTTP/2 when the server speaks it (ALPN h2), on the connection all
/// flows to that server share, and reads the response into the flow with the same hooks as HTTP/1; a server that
/// answers ALPN with http/1.1 gets the request over HTTP/1.1 instead, now and from then on.
/// </summary>
internal sealed class Http2UpstreamExchange(AddonChain chain, Http2UpstreamPool pool, UpstreamConnector connector, Func<Http1UpstreamExchange> http1)
{
    private static readonly SslApplicationProtocol[] H2First = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    public async Task<ForwardOutcome> ForwardAsync(HttpFlow flow, ClientConnection client, string? sni, Http1Forward forward, IDownstream downstream, ProxySettings settings, CancellationToken stop)
    {
        var request = flow.Request;
        var key = new UpstreamKey(request.Scheme, request.Host, request.Port, request.Scheme == "https" ? sni : null);
        if (!key.IsTls || !settings.Http2 || pool.IsHttp1Only(key))
        {
            return await http1().ForwardAsync(flow, client, sni, forward, downstream, settings, stop).ConfigureAwait(false);
        }

        var connection = pool.Find(key);
        if (connection is null)
        {
            UpstreamConnection opened;
            try
            {
                opened = await connector.ConnectAsync(key, client, settings, stop, H2First).ConfigureAwait(false);
            }
            catch (UpstreamException ex)
            {
                return ForwardOutcome.Failed(ex.StatusCode, ex.Message);
            }

            if (opened.Model.Alpn != "h2")
            {
                // The HTTP/1 exchange takes it from the idle pool as it would any kept-alive connection.
                pool.MarkHttp1Only(key);
                await pool.Http1.ReturnAsync(opened).ConfigureAwait(false);
                return await http1().ForwardAsync(flow, client, sni, forward, downstream, settings, stop).ConfigureAwait(false);
            }

            connection = await pool.AddAsync(opened).ConfigureAwait(false);
        }

        flow.Server = connection.Connection.Model;
        return await ExchangeAsync(flow, connection, forward.StreamRequest, downstream, settings, stop).ConfigureAwait(false);
    }

    private async Task<ForwardOutcome> ExchangeAsync(HttpFlow flow, Http2ClientConnection connection, bool streamRequest, IDownstream downstream, ProxySettings settings, CancellationToken stop)
    {
        var request = flow.Request;
        var key = connection.Connection.Key;
        var body = streamRequest ? null : request.Content ?? [];
        var trailers = streamRequest ? null : request.Trailers;
        Http2Stream? stream = null;
        Task? sending = null;
        using var sendStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        using var deadline = new ReadDeadline(settings.UpstreamTimeout, stop);
        try
        {
            var endStream = !streamRequest && body!.Length == 0 && trailers is not { Count: > 0 };
            stream = await connection.OpenStreamAsync(Http2Headers.RequestFields(request, streamRequest ? null : body!.Length), endStream, stop).ConfigureAwait(false);
            if (streamRequest)
            {
                // Both directions at once: a streaming call (gRPC) waits for answers before it sends more.
                sending = SendStreamedRequestAsync(flow, connection, stream, downstream, sendStop.Token);
            }
            else if (!endStream)
            {
                await connection.SendDataAsync(stream, body, endStream: trailers is not { Count: > 0 }, stop).ConfigureAwait(false);
                if (trailers is { Count: > 0 })
                {
                    await connection.EndStreamAsync(stream, TrailerFields(trailers), stop).ConfigureAwait(false);
                }
            }

            var response = await ReadResponseHeadAsync(stream, downstream, deadline).ConfigureAwait(false);
            if (response is null)
            {
                return ForwardOutcome.Failed(502, $"{key} ended the stream without a response.");
            }

            flow.Response = response;
            if (GrpcBodies.IsGrpc(response.Headers))
            {
                // gRPC streams messages both ways; waiting for the whole body would stall a streaming call.
                response.Stream = true;
            }

            if (!await chain.StepAsync(Hook.ResponseHeaders, flow, stop).ConfigureAwait(false))
            {
                return ForwardOutcome.Killed;
            }

            var declared = long.TryParse(response.Headers["content-length"], NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : (long?)null;
            if (!response.Stream && settings.StreamLargeBodies is { } limit && declared > limit)
            {
                response.Stream = true;
            }

            var bodiless = request.Method == "HEAD" || response.StatusCode is 204 or 304;
            if (response.Stream && !bodiless)
            {
                return await StreamResponseAsync(flow, connection, stream, declared, downstream, deadline, sending, stop).ConfigureAwait(false);
            }

            response.Content = await Http2StreamBody.ReadAllAsync(stream, size => connection.ConsumedAsync(stream, size), settings.Limits.MaxBufferedBody, deadline).ConfigureAwait(false)
                ?? throw new MalformedMessageException(502, $"The response body is larger than {settings.Limits.MaxBufferedBody} bytes; set stream_large_bodies to pass it through.");
            response.Trailers = stream.Trailers is { } received ? new HttpHeaders(received) : null;
            response.TimestampEnd = DateTimeOffset.UtcNow;
            if (!await RequestSentAsync(flow, sending, stop).ConfigureAwait(false) || !await chain.StepAsync(Hook.Response, flow, stop).ConfigureAwait(false))
            {
                return ForwardOutcome.Killed;
            }

            // An HTTP/1.1 client gets trailers only in a chunked body.
            var framing = response.Trailers is { Count: > 0 } ? new BodyFraming(BodyKind.Chunked, 0) : new BodyFraming(BodyKind.ContentLength, response.Content.Length);
            return ForwardOutcome.Completed(framing, reusable: false);
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            return ForwardOutcome.Failed(504, $"{key} did not answer within {settings.UpstreamTimeout.TotalSeconds:0.###} s.");
        }
        catch (MalformedMessageException ex)
        {
            return ForwardOutcome.Failed(ex.StatusCode, ex.Message);
        }
        catch (IOException ex) when (!stop.IsCancellationRequested)
        {
            return ForwardOutcome.Failed(stream?.FinalHeadReceived == true ? 0 : 502, $"The HTTP/2 exchange with {key} failed: {ex.Message}");
        }
        finally
        {
            if (sending is { IsCompleted: false })
            {
                // The exchange ended first (an error, a kill): the request side stops too.
                await sendStop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await sending.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or MalformedMessageException)
                {
                    // Ended with the exchange.
                }
            }

            if (stream is not null)
            {
                await connection.CloseStreamAsync(stream).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The final response head, passing interim (1xx) ones on as they come; null if the stream ended without one.</summary>
    private static async Task<HttpResponse?> ReadResponseHeadAsync(Http2Stream stream, IDownstream downstream, ReadDeadline deadline)
    {
        var heads = stream.ResponseHeads!.Reader;
        while (await heads.WaitToReadAsync(deadline.Arm()).ConfigureAwait(false))
        {
            while (heads.TryRead(out var fields))
            {
                var response = Http2Headers.ParseResponse(fields);
                if (response.StatusCode >= 200)
                {
                    return response;
                }

                if (response.StatusCode != 100)
                {
                    await downstream.SendInterimAsync(new ResponseHead("HTTP/2.0", response.StatusCode, "", response.Headers), deadline.Outer).ConfigureAwait(false);
                }
            }
        }

        return null;
    }

    /// <summary>Sends the response head at once and the body as it arrives, without storing it; then the response hook.</summary>
    private async Task<ForwardOutcome> StreamResponseAsync(HttpFlow flow, Http2ClientConnection connection, Http2Stream stream, long? declared, IDownstream downstream, ReadDeadline deadline, Task? sending, CancellationToken stop)
    {
        var response = flow.Response!;
        var framing = declared is { } n ? new BodyFraming(BodyKind.ContentLength, n) : new BodyFraming(BodyKind.Chunked, 0);
        var (target, chunkedOut, mustClose) = await downstream.StartStreamedResponseAsync(flow, framing, stop).ConfigureAwait(false);
        var copy = GrpcBodies.CopyIfGrpc(response.Headers);
        try
        {
            await Http2StreamBody.CopyAsync(stream, size => connection.ConsumedAsync(stream, size), target, chunkedOut, copy, deadline, stop).ConfigureAwait(false);
            response.Trailers = stream.Trailers is { } received ? new HttpHeaders(received) : null;
        }
        catch (IOException ex)
        {
            return ForwardOutcome.Failed(0, $"The streamed response from {connection.Connection.Key} broke off: {ex.Message}");
        }

        response.Content = copy?.ToArray();
        response.TimestampEnd = DateTimeOffset.UtcNow;
        return await RequestSentAsync(flow, sending, stop).ConfigureAwait(false) && await chain.StepAsync(Hook.Response, flow, stop).ConfigureAwait(false)
            ? ForwardOutcome.Streamed(reusable: false, mustClose)
            : ForwardOutcome.Killed;
    }

    /// <summary>Copies a streamed request body to the server as it arrives, then ends the stream (with trailers if any).</summary>
    private static async Task SendStreamedRequestAsync(HttpFlow flow, Http2ClientConnection connection, Http2Stream stream, IDownstream downstream, CancellationToken stop)
    {
        var request = flow.Request;
        var data = new Http2DataStream((bytes, cancel) => connection.SendDataAsync(stream, bytes, endStream: false, cancel), stop);
        await downstream.CopyRequestBodyAsync(BodyFraming.ForRequest(request.Headers), data, chunkedOut: false, stop).ConfigureAwait(false);
        await connection.EndStreamAsync(stream, TrailerFields(request.Trailers), stop).ConfigureAwait(false);
        request.TimestampEnd = DateTimeOffset.UtcNow;
    }

    /// <summary>
    /// Waits for a streamed request body to have passed and runs the request hook, which comes after it as for any
    /// streamed body (so after the response's head, when the server answered first); false when an addon killed the flow.
    /// </summary>
    private async Task<bool> RequestSentAsync(HttpFlow flow, Task? sending, CancellationToken stop)
    {
        if (sending is null)
        {
            return true;
        }

        await sending.ConfigureAwait(false);
        return await chain.StepAsync(Hook.Request, flow, stop).ConfigureAwait(false);
    }

    private static List<HeaderField>? TrailerFields(HttpHeaders? trailers) =>
        trailers is { Count: > 0 } ? Http2Headers.TrailerFields(trailers) : null;
}
