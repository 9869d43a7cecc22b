using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Proxy.Upstream;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Proxy.Http1;

/// <summary>
/// The client-facing HTTP/1 layer of one channel: reads requests, runs each flow through the addon chain, forwards it
/// upstream and relays the response, until either side closes. CONNECT is answered here and what follows it handed
/// back to the connection handler; WebSocket upgrades are relayed from here. Every failure ends in an answer to the
/// client (400, 502, 504...) or a closed connection, never in a crash.
/// </summary>
internal sealed partial class Http1ServerConnection(ConnectionHandler handler) : IProtocolLayer
{
    private readonly ProxySettings _settings = handler.Settings;
    private readonly AddonChain _chain = handler.Chain;
    private readonly ClientConnection _client = handler.Client;
    private readonly ILogger _logger = handler.Logger;
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private volatile bool _draining;
    private volatile ReadDeadline? _waiting;
    private bool _headStarted;
    private bool _reverse;

    /// <summary>The buffer heads are written into before they go out; one exchange at a time uses it.</summary>
    internal ArrayBufferWriter<byte> Output => _output;

    internal ProxySettings Settings => _settings;

    internal bool Draining => _draining;

    /// <summary>The request loop of one channel (plain, or decrypted inside a tunnel).</summary>
    public async Task ServeAsync(ClientChannel channel, RequestOrigin origin, CancellationToken stop)
    {
        var downstream = new Http1ClientDownstream(this, channel);

        // A reverse proxy's server name is its server's, whatever name the client asked the proxy for.
        _reverse = origin.Kind == OriginKind.Reverse;
        while (!stop.IsCancellationRequested && !_draining)
        {
            RequestHead? head;
            using (var deadline = new ReadDeadline(_settings.ClientTimeout, stop))
            {
                try
                {
                    // Drain, on another thread, cuts this wait if it sees it idle; seen draining here, it is cut now.
                    _headStarted = false;
                    _waiting = deadline;
                    if (_draining)
                    {
                        return;
                    }

                    head = await ReadRequestHeadAsync(channel.Reader, deadline).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.Expired)
                {
                    // An idle keep-alive connection is closed quietly; a client that stalled inside a head is told why.
                    if (_headStarted)
                    {
                        await SendErrorAsync(channel, 408, $"The request was not received within {_settings.ClientTimeout.TotalSeconds:0.###} s.", null).ConfigureAwait(false);
                    }

                    return;
                }
                catch (MalformedMessageException ex)
                {
                    LogBadRequest(_logger, _client.PeerName?.ToString() ?? "?", ex.Message);
                    await SendErrorAsync(channel, ex.StatusCode, ex.Message, null).ConfigureAwait(false);
                    return;
                }
                finally
                {
                    _waiting = null;
                }
            }

            if (head is null)
            {
                return;
            }

            handler.Metrics.RequestRead();
            try
            {
                if (head.Method.Equals("CONNECT", StringComparison.OrdinalIgnoreCase))
                {
                    if (origin.Kind != OriginKind.Forward)
                    {
                        throw new MalformedMessageException(400, "CONNECT is only accepted by an explicit proxy, not inside a tunnel or in reverse mode.");
                    }

                    await ConnectAsync(channel, head, stop).ConfigureAwait(false);
                    return;
                }

                var flow = CreateFlow(head, origin);
                bool next;
                try
                {
                    next = await ExchangeAsync(channel, downstream, flow, head, stop).ConfigureAwait(false);
                }
                finally
                {
                    // The exchange is over (answered, failed or relayed to its end): nothing can kill the flow now.
                    flow.Live = false;
                }

                if (!next)
                {
                    return;
                }
            }
            catch (MalformedMessageException ex)
            {
                LogBadRequest(_logger, _client.PeerName?.ToString() ?? "?", ex.Message);
                await SendErrorAsync(channel, ex.StatusCode, ex.Message, null).ConfigureAwait(false);
                return;
            }
        }
    }


    /// <summary>
    /// The host is stopping: a connection waiting for its next request closes now, one receiving a head or in an exchange
    /// finishes it and closes after the response (<c>Connection: close</c>).
    /// </summary>
    public void Drain()
    {
        _draining = true;
        if (_waiting is { } deadline && !_headStarted)
        {
            deadline.Cancel();
        }
    }

    /// <summary>Reads the next request head; null when the client closed the connection between requests.</summary>
    private async Task<RequestHead?> ReadRequestHeadAsync(PipeReader reader, ReadDeadline deadline)
    {
        _headStarted = false;
        while (true)
        {
            var result = await reader.ReadAsync(deadline.Arm()).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (HttpHeadParser.TryParseRequest(ref buffer, _settings.Limits, out var head))
            {
                reader.AdvanceTo(buffer.Start);
                return head;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            _headStarted = !buffer.IsEmpty;
            if (result.IsCompleted)
            {
                if (buffer.IsEmpty)
                {
                    return null;
                }

                throw new MalformedMessageException(400, "The connection closed in the middle of a request head.");
            }
        }
    }

    private HttpFlow CreateFlow(RequestHead head, RequestOrigin origin)
    {
        var request = new HttpRequest
        {
            Method = head.Method,
            HttpVersion = head.Version,
            Headers = head.Headers,
            TimestampStart = DateTimeOffset.UtcNow,
        };

        if (head.Target.StartsWith('/') || head.Target == "*")
        {
            if (origin.Kind == OriginKind.Forward)
            {
                throw new MalformedMessageException(400, $"\"{head.Method} {head.Target}\" is not a proxy request; an explicit proxy needs an absolute URL (GET http://host/path) or CONNECT.");
            }

            request.Scheme = origin.Scheme;
            request.Host = origin.Host;
            request.Port = origin.Port;
            request.Path = head.Target == "*" ? "*" : RequestTarget.OriginForm(head.Target);
            if (origin.Kind == OriginKind.Reverse)
            {
                request.Headers.Set("Host", origin.Authority);
            }
        }
        else
        {
            var target = RequestTarget.ParseAbsoluteForm(head.Target);
            request.Scheme = target.Scheme;
            request.Host = target.Host;
            request.Port = target.Port;
            request.Authority = target.Authority;
            request.Path = target.PathAndQuery;
        }

        return new HttpFlow { Request = request, Client = _client, Live = true };
    }

    /// <summary>One request and its response; returns whether the client connection can carry another.</summary>
    private async Task<bool> ExchangeAsync(ClientChannel channel, Http1ClientDownstream downstream, HttpFlow flow, RequestHead head, CancellationToken stop)
    {
        var request = flow.Request;
        var framing = BodyFraming.ForRequest(head.Headers);
        var upgrade = IsUpgrade(head.Headers);
        var clientKeepAlive = head.Version == "HTTP/1.1" && !Http1Writer.HasConnectionOption(head.Headers, "close");

        if (!await _chain.StepAsync(Hook.RequestHeaders, flow, stop).ConfigureAwait(false))
        {
            return false;
        }

        var bodyRead = false;
        if (!request.Stream && _settings.StreamLargeBodies is { } requestLimit && framing.Kind == BodyKind.ContentLength && framing.Length > requestLimit)
        {
            request.Stream = true;
        }

        var streamRequest = request.Stream && framing.Kind != BodyKind.None && flow.Response is null;
        if (streamRequest)
        {
            // The body goes straight upstream once the server is connected; the request hook runs after it passed.
            bodyRead = true;
            await AnswerExpectContinueAsync(channel, request, stop).ConfigureAwait(false);
        }
        else if (flow.Response is null)
        {
            if (framing.Kind != BodyKind.None)
            {
                await AnswerExpectContinueAsync(channel, request, stop).ConfigureAwait(false);
            }

            using var deadline = new ReadDeadline(_settings.ClientTimeout, stop);
            try
            {
                (request.Content, request.Trailers) = await Http1BodyReader.ReadAsync(channel.Reader, framing, _settings.Limits, 400, deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.Expired)
            {
                await _chain.FailAsync(flow, $"The request body did not arrive within {_settings.ClientTimeout.TotalSeconds:0.###} s.").ConfigureAwait(false);
                throw new MalformedMessageException(408, flow.Error!.Message);
            }
            catch (MalformedMessageException ex)
            {
                // The flow began (requestheaders ran), so addons see it end: exactly one of response or error.
                await _chain.FailAsync(flow, ex.Message).ConfigureAwait(false);
                throw;
            }
            catch (IOException ex)
            {
                await _chain.FailAsync(flow, $"The client closed the connection in the middle of the request body: {ex.Message}").ConfigureAwait(false);
                return false;
            }

            request.TimestampEnd = DateTimeOffset.UtcNow;
            bodyRead = true;
        }
        else
        {
            // Answered in requestheaders: a body still on the wire means the connection cannot carry another request.
            request.Content = [];
            bodyRead = framing.Kind == BodyKind.None;
        }

        if (!streamRequest && !await _chain.StepAsync(Hook.Request, flow, stop).ConfigureAwait(false))
        {
            return false;
        }

        UpstreamConnection? upgraded = null;
        var responseFraming = new BodyFraming(BodyKind.ContentLength, 0);
        if (flow.Response is null)
        {
            // RFC 9112 section 3.2.2: a request received in absolute form gets a Host made from its target.
            var hostHeader = request.Authority.Length > 0 ? RequestOrigin.FormatAuthority(request.Scheme, request.Host, request.Port) : null;
            var forward = new Http1Forward(framing, upgrade, streamRequest, hostHeader);
            var outcome = await handler.Upstream.ForwardAsync(flow, _client, _reverse ? null : channel.Sni, forward, downstream, _settings, stop).ConfigureAwait(false);
            if (outcome.Failure is { } failure)
            {
                await _chain.FailAsync(flow, failure.Message).ConfigureAwait(false);
                if (failure.StatusCode > 0 && !flow.IsKilled)
                {
                    await SendErrorAsync(channel, failure.StatusCode, failure.Message, flow).ConfigureAwait(false);
                }

                return false;
            }

            if (flow.IsKilled)
            {
                return false;
            }

            if (outcome.AlreadySent)
            {
                return clientKeepAlive && !outcome.ClientMustClose;
            }

            upgraded = outcome.Upgraded;
            responseFraming = outcome.Framing;
        }
        else if (!await _chain.StepAsync(Hook.Response, flow, stop).ConfigureAwait(false))
        {
            return false;
        }

        var response = flow.Response!;
        var closeAfter = !clientKeepAlive || !bodyRead || responseFraming.Kind == BodyKind.UntilClose ||
                         Http1Writer.HasConnectionOption(response.Headers, "close") || _draining;
        await SendResponseAsync(channel, flow, responseFraming, upgraded is not null, closeAfter && upgraded is null, stop).ConfigureAwait(false);

        if (upgraded is not null)
        {
            await RelayUpgradeAsync(channel, flow, upgraded, stop).ConfigureAwait(false);
            return false;
        }

        return !closeAfter;
    }

    private async Task SendResponseAsync(ClientChannel channel, HttpFlow flow, BodyFraming received, bool upgrade, bool close, CancellationToken stop)
    {
        var response = flow.Response!;
        var body = response.Content ?? [];
        var bodiless = flow.Request.Method.Equals("HEAD", StringComparison.OrdinalIgnoreCase) || response.StatusCode is < 200 or 204 or 304;
        var framing = bodiless ? OutgoingFraming.HeadersOnly
            : received.Kind == BodyKind.UntilClose ? OutgoingFraming.CloseDelimited
            : received.Kind == BodyKind.Chunked && flow.Request.HttpVersion == "HTTP/1.1" ? OutgoingFraming.Chunked
            : OutgoingFraming.ContentLength;
        _output.ResetWrittenCount();
        Http1Writer.WriteResponseHead(_output, response, framing, body.Length, upgrade, close);
        await SendAsync(channel.Stream, bodiless ? [] : body, framing, response.Trailers, stop).ConfigureAwait(false);
    }

    /// <summary>Writes the head in <see cref="_output"/> and the body.</summary>
    private Task SendAsync(Stream stream, byte[] body, OutgoingFraming framing, HttpHeaders? trailers, CancellationToken stop) =>
        Http1Writer.SendAsync(_output, stream, body, framing, trailers, stop);

    /// <summary>Answers the client with a short plain-text error and closes the exchange.</summary>
    private async Task SendErrorAsync(ClientChannel channel, int status, string message, HttpFlow? flow)
    {
        var response = HttpResponse.Create(status, $"{status} {ReasonPhrases.For(status)}\n\n{message}\n", ("Content-Type", "text/plain; charset=utf-8"));
        _output.ResetWrittenCount();
        Http1Writer.WriteResponseHead(_output, response, OutgoingFraming.ContentLength, response.Content!.Length, upgrade: false, close: true);
        try
        {
            var bodiless = flow?.Request.Method.Equals("HEAD", StringComparison.OrdinalIgnoreCase) == true;
            await SendAsync(channel.Stream, bodiless ? [] : response.Content, OutgoingFraming.ContentLength, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The client is gone; there is no one to tell.
        }
    }

    /// <summary>
    /// Answers <c>Expect: 100-continue</c> itself and drops the field: the proxy asks for the body, so the server must
    /// not be asked again.
    /// </summary>
    private static async Task AnswerExpectContinueAsync(ClientChannel channel, HttpRequest request, CancellationToken stop)
    {
        if (request.Headers["Expect"] is { } expect && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            request.Headers.Remove("Expect");
            await channel.Stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), stop).ConfigureAwait(false);
        }
    }

    private async Task RelayUpgradeAsync(ClientChannel channel, HttpFlow flow, UpstreamConnection connection, CancellationToken stop)
    {
        flow.WebSocket = new WebSocketData();
        await _chain.StepAsync(Hook.WebSocketStart, flow, stop).ConfigureAwait(false);
        try
        {
            await Relay.RunAsync(channel.Reader, channel.Stream, connection.Reader, connection.Stream, stop).ConfigureAwait(false);
        }
        finally
        {
            flow.WebSocket.TimestampEnd = DateTimeOffset.UtcNow;
            await handler.Upstream.CloseAsync(connection).ConfigureAwait(false);
            await _chain.StepAsync(Hook.WebSocketEnd, flow, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>CONNECT: ask the addons, answer 200, then intercept TLS, serve plain HTTP, or tunnel raw bytes.</summary>
    private async Task ConnectAsync(ClientChannel channel, RequestHead head, CancellationToken stop)
    {
        if (!RequestTarget.TryParseAuthority(head.Target, out var host, out var port))
        {
            throw new MalformedMessageException(400, $"The CONNECT target \"{head.Target}\" is not host:port.");
        }

        var flow = new HttpFlow
        {
            Client = _client,
            Live = true,
            Request = new HttpRequest
            {
                Method = head.Method,
                HttpVersion = head.Version,
                Headers = head.Headers,
                Authority = head.Target,
                Host = host,
                Port = port,
                Path = "",
                Content = [],
                TimestampStart = DateTimeOffset.UtcNow,
                TimestampEnd = DateTimeOffset.UtcNow,
            },
        };
        try
        {
            await ConnectAsync(channel, flow, host, port, stop).ConfigureAwait(false);
        }
        finally
        {
            flow.Live = false;
        }
    }

    /// <summary>The CONNECT flow's hook and what follows it: a refusal, or the tunnel's traffic.</summary>
    private async Task ConnectAsync(ClientChannel channel, HttpFlow flow, string host, int port, CancellationToken stop)
    {
        if (!await _chain.StepAsync(Hook.HttpConnect, flow, stop).ConfigureAwait(false))
        {
            return;
        }

        if (flow.Response is { StatusCode: < 200 or >= 300 } refusal)
        {
            _output.ResetWrittenCount();
            Http1Writer.WriteResponseHead(_output, refusal, OutgoingFraming.ContentLength, refusal.Content?.Length ?? 0, upgrade: false, close: true);
            await SendAsync(channel.Stream, refusal.Content ?? [], OutgoingFraming.ContentLength, null, stop).ConfigureAwait(false);
            return;
        }

        await channel.Stream.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), stop).ConfigureAwait(false);
        await handler.ServeTunnelAsync(channel, host, port, stop).ConfigureAwait(false);
    }

    private static bool IsUpgrade(HttpHeaders headers) =>
        headers.Contains("Upgrade") && Http1Writer.HasConnectionOption(headers, "upgrade");

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Client {Client}: bad request: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string client, string reason);
}
