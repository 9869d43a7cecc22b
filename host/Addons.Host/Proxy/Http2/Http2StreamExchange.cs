using System.Buffers;
using System.IO.Pipelines;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Proxy.Http1;
using Addons.Host.Proxy.Upstream;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// One request stream of a client's HTTP/2 connection, from its header list to the end of its response: the same
/// hooks, in the same order, as an HTTP/1 exchange (<c>requestheaders</c>, <c>request</c>, <c>responseheaders</c>,
/// <c>response</c> or <c>error</c>), with the flow's version <c>HTTP/2.0</c>. A failure before the response's HEADERS
/// is answered with an error status; after them, or when the client resets the stream, only this stream ends.
/// </summary>
internal sealed class Http2StreamExchange(Http2ServerConnection connection, Http2Stream stream)
{
    private readonly ConnectionHandler _handler = connection.Handler;
    private readonly AddonChain _chain = connection.Handler.Chain;
    private readonly ProxySettings _settings = connection.Handler.Settings;

    public async Task RunAsync(CancellationToken stop)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, stream.Cancelled);
        var cancel = linked.Token;
        HttpFlow? flow = null;
        try
        {
            HttpRequest request;
            try
            {
                request = Http2Headers.ParseRequest(stream.Id, stream.RequestFields, connection.Origin);
            }
            catch (Http2StreamException ex)
            {
                await connection.ResetStreamAsync(stream.Id, ex.ErrorCode, ex.Message).ConfigureAwait(false);
                return;
            }

            _handler.Metrics.RequestRead();
            if (request.Method == "CONNECT")
            {
                await SendErrorAsync(501, "CONNECT inside an HTTP/2 connection is not supported by this proxy.", null).ConfigureAwait(false);
                return;
            }

            flow = new HttpFlow { Request = request, Client = _handler.Client, Live = true };
            await ExchangeAsync(flow, cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stream.Cancelled.IsCancellationRequested || stop.IsCancellationRequested)
        {
            if (flow is not null && flow.Error is null && !flow.IsKilled && (flow.Response?.TimestampEnd is null || !stream.LocalClosed))
            {
                var reason = stream.ResetByPeer is { } code
                    ? $"The client reset the stream ({Http2ErrorText.Name(code)})."
                    : "The connection ended before the exchange did.";
                await _chain.FailAsync(flow, reason).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            if (flow is not null && flow.Error is null && !flow.IsKilled)
            {
                await _chain.FailAsync(flow, $"The client connection failed: {ex.Message}").ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Whatever else went wrong ends this stream with an error the client and the addons see, not a stream left hanging.
            if (flow is not null && flow.Error is null && !flow.IsKilled)
            {
                await _chain.FailAsync(flow, $"The exchange failed: {ex.Message}").ConfigureAwait(false);
            }

            try
            {
                await connection.ResetStreamAsync(stream.Id, Http2ErrorCode.InternalError, $"the exchange failed: {ex.GetType().Name}: {ex.Message}").ConfigureAwait(false);
            }
            catch (Exception reset) when (reset is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
            {
                // The client is gone as well.
            }
        }
        finally
        {
            if (flow is not null)
            {
                flow.Live = false;
            }

            connection.StreamEnded(stream);
        }
    }

    /// <summary>Answers a stream the proxy will not run as a flow (its header list is too large).</summary>
    public async Task RefuseAsync(int status, string message)
    {
        try
        {
            await SendErrorAsync(status, message, null).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone.
        }
        finally
        {
            connection.StreamEnded(stream);
        }
    }

    private async Task ExchangeAsync(HttpFlow flow, CancellationToken cancel)
    {
        var request = flow.Request;
        if (GrpcBodies.IsGrpc(request.Headers))
        {
            // gRPC streams messages both ways; an addon may still ask for the whole body by clearing Stream.
            request.Stream = true;
        }

        if (!await _chain.StepAsync(Hook.RequestHeaders, flow, cancel).ConfigureAwait(false))
        {
            await KilledAsync().ConfigureAwait(false);
            return;
        }

        var hasBody = stream.Body is not null;
        var declaredLength = long.TryParse(request.Headers["content-length"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length) ? length : (long?)null;
        if (!request.Stream && _settings.StreamLargeBodies is { } limit && declaredLength > limit)
        {
            request.Stream = true;
        }

        var streamRequest = request.Stream && hasBody && flow.Response is null;
        if (hasBody && flow.Response is null)
        {
            await AnswerExpectContinueAsync(request, cancel).ConfigureAwait(false);
        }

        if (!streamRequest)
        {
            if (flow.Response is null)
            {
                if (!await ReadBodyAsync(flow, cancel).ConfigureAwait(false))
                {
                    return;
                }
            }
            else
            {
                request.Content = [];
            }

            if (!await _chain.StepAsync(Hook.Request, flow, cancel).ConfigureAwait(false))
            {
                await KilledAsync().ConfigureAwait(false);
                return;
            }
        }

        if (flow.Response is null)
        {
            if (!await ForwardAsync(flow, streamRequest, declaredLength, cancel).ConfigureAwait(false))
            {
                return;
            }
        }
        else if (!await _chain.StepAsync(Hook.Response, flow, cancel).ConfigureAwait(false))
        {
            await KilledAsync().ConfigureAwait(false);
            return;
        }

        await SendResponseAsync(flow, cancel).ConfigureAwait(false);
    }

    /// <summary>Buffers the request body and its trailers; false when the exchange ended here.</summary>
    private async Task<bool> ReadBodyAsync(HttpFlow flow, CancellationToken cancel)
    {
        var request = flow.Request;
        if (stream.Body is null)
        {
            request.Content = [];
            request.TimestampEnd = DateTimeOffset.UtcNow;
            return true;
        }

        using var deadline = new ReadDeadline(_settings.ClientTimeout, cancel);
        byte[]? body;
        try
        {
            body = await Http2StreamBody.ReadAllAsync(stream, size => connection.ConsumedAsync(stream, size), _settings.Limits.MaxBufferedBody, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.Expired)
        {
            await _chain.FailAsync(flow, $"The request body did not arrive within {_settings.ClientTimeout.TotalSeconds:0.###} s.").ConfigureAwait(false);
            await SendErrorAsync(408, flow.Error!.Message, flow).ConfigureAwait(false);
            return false;
        }

        if (body is null)
        {
            await _chain.FailAsync(flow, $"The request body is larger than {_settings.Limits.MaxBufferedBody} bytes; set stream_large_bodies to pass it through.").ConfigureAwait(false);
            await SendErrorAsync(413, flow.Error!.Message, flow).ConfigureAwait(false);
            return false;
        }

        request.Content = body;
        request.Trailers = stream.Trailers is { } trailers ? new HttpHeaders(trailers) : null;
        request.TimestampEnd = DateTimeOffset.UtcNow;
        return true;
    }

    /// <summary>Sends the request to its server over HTTP/1.1 and reads the response into the flow; false when the exchange ended here.</summary>
    private async Task<bool> ForwardAsync(HttpFlow flow, bool streamRequest, long? declaredLength, CancellationToken cancel)
    {
        var request = flow.Request;
        var framing = streamRequest
            ? declaredLength is { } n ? new BodyFraming(BodyKind.ContentLength, n) : new BodyFraming(BodyKind.Chunked, 0)
            : new BodyFraming(BodyKind.ContentLength, request.Content?.Length ?? 0);

        // An HTTP/1.1 server needs Host; HTTP/2 carries it as :authority (RFC 9113 section 8.3.1).
        var hostHeader = request.Headers.Contains("Host") ? null
            : request.Authority.Length > 0 ? request.Authority
            : RequestOrigin.FormatAuthority(request.Scheme, request.Host, request.Port);
        var downstream = new Http2StreamDownstream(connection, stream, flow);
        var outcome = await _handler.Http2Upstream.ForwardAsync(flow, _handler.Client, connection.Origin.Kind == OriginKind.Reverse ? null : connection.Channel.Sni, new Http1Forward(framing, false, streamRequest, hostHeader), downstream, _settings, cancel).ConfigureAwait(false);
        if (outcome.Failure is { } failure)
        {
            await _chain.FailAsync(flow, failure.Message).ConfigureAwait(false);
            if (failure.StatusCode > 0 && !flow.IsKilled && !stream.ResponseStarted)
            {
                await SendErrorAsync(failure.StatusCode, failure.Message, flow).ConfigureAwait(false);
            }
            else
            {
                await connection.ResetStreamAsync(stream.Id, Http2ErrorCode.InternalError, failure.Message).ConfigureAwait(false);
            }

            return false;
        }

        if (flow.IsKilled)
        {
            await KilledAsync().ConfigureAwait(false);
            return false;
        }

        if (outcome.AlreadySent)
        {
            if (flow.Response?.Trailers is { Count: > 0 } trailers)
            {
                await connection.SendHeadersAsync(stream, Http2Headers.TrailerFields(trailers), endStream: true, cancel).ConfigureAwait(false);
            }
            else
            {
                await connection.SendDataAsync(stream, ReadOnlyMemory<byte>.Empty, endStream: true, cancel).ConfigureAwait(false);
            }

            await EndAsync().ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private async Task SendResponseAsync(HttpFlow flow, CancellationToken cancel)
    {
        var response = flow.Response!;
        var bodiless = flow.Request.Method == "HEAD" || response.StatusCode is < 200 or 204 or 304;
        var body = bodiless ? [] : response.Content ?? [];
        var trailers = bodiless || response.Trailers is not { Count: > 0 } ? null : response.Trailers;
        var fields = Http2Headers.ResponseFields(response, bodiless ? null : body.Length);
        stream.ResponseStarted = true;
        await connection.SendHeadersAsync(stream, fields, endStream: body.Length == 0 && trailers is null, cancel).ConfigureAwait(false);
        if (body.Length > 0)
        {
            await connection.SendDataAsync(stream, body, endStream: trailers is null, cancel).ConfigureAwait(false);
        }

        if (trailers is not null)
        {
            await connection.SendHeadersAsync(stream, Http2Headers.TrailerFields(trailers), endStream: true, cancel).ConfigureAwait(false);
        }

        await EndAsync().ConfigureAwait(false);
    }

    /// <summary>Our side is done; a client still sending a body it no longer needs to is told to stop (RFC 9113 section 8.1).</summary>
    private async Task EndAsync()
    {
        stream.LocalClosed = true;
        if (!stream.RemoteClosed)
        {
            await connection.ResetStreamAsync(stream.Id, Http2ErrorCode.NoError, "answered before the request body ended").ConfigureAwait(false);
        }
    }

    private ValueTask KilledAsync() =>
        connection.ResetStreamAsync(stream.Id, Http2ErrorCode.Cancel, "the flow was killed");

    /// <summary>Answers with a short plain-text error and ends the stream.</summary>
    private async Task SendErrorAsync(int status, string message, HttpFlow? flow)
    {
        var response = HttpResponse.Create(status, $"{status} {ReasonPhrases.For(status)}\n\n{message}\n", ("Content-Type", "text/plain; charset=utf-8"));
        var bodiless = flow?.Request.Method == "HEAD";
        var body = bodiless ? [] : response.Content!;
        stream.ResponseStarted = true;
        await connection.SendHeadersAsync(stream, Http2Headers.ResponseFields(response, body.Length), endStream: body.Length == 0).ConfigureAwait(false);
        if (body.Length > 0)
        {
            await connection.SendDataAsync(stream, body, endStream: true, stream.Cancelled).ConfigureAwait(false);
        }

        await EndAsync().ConfigureAwait(false);
    }

    /// <summary>Answers <c>Expect: 100-continue</c> itself and drops the field, as the HTTP/1 layer does.</summary>
    private async Task AnswerExpectContinueAsync(HttpRequest request, CancellationToken cancel)
    {
        if (request.Headers["expect"] is { } expect && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            request.Headers.Remove("expect");
            await connection.SendHeadersAsync(stream, [new HeaderField(":status", "100")], endStream: false, cancel).ConfigureAwait(false);
        }
    }
}
