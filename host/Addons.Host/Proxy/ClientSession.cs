using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;
using Addons.Host.Diagnostics;
using Addons.Host.Proxy.Http1;
using Addons.Host.Proxy.Tls;
using Addons.Host.Proxy.Upstream;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Proxy;

/// <summary>
/// One client connection: reads requests, runs each flow through the addon chain, forwards it upstream and relays
/// the response, until either side closes. CONNECT tunnels, intercepted TLS and WebSocket upgrades start from here.
/// Every failure ends in an answer to the client (400, 502, 504...) or a closed connection, never in a crash.
/// </summary>
internal sealed partial class ClientSession
{
    private readonly Socket _socket;
    private readonly ProxySettings _settings;
    private readonly AddonChain _chain;
    private readonly UpstreamPool _pool;
    private readonly UpstreamConnector _connector;
    private readonly TlsInterceptor? _tls;
    private readonly HostMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly Http1UpstreamExchange _upstream;
    private readonly ClientConnection _client;
    private volatile bool _draining;
    private volatile ReadDeadline? _waiting;
    private bool _headStarted;

    public ClientSession(Socket socket, ProxySettings settings, AddonChain chain, UpstreamPool pool, UpstreamConnector connector, TlsInterceptor? tls, HostMetrics metrics, ILogger logger)
    {
        _socket = socket;
        _settings = settings;
        _chain = chain;
        _pool = pool;
        _connector = connector;
        _upstream = new Http1UpstreamExchange(chain, pool, connector);
        _tls = tls;
        _metrics = metrics;
        _logger = logger;
        _client = new ClientConnection
        {
            PeerName = UpstreamConnector.ToHostPort(socket.RemoteEndPoint),
            SockName = UpstreamConnector.ToHostPort(socket.LocalEndPoint),
            TimestampStart = DateTimeOffset.UtcNow,
            ProxyMode = settings.Mode.Spec,
        };
    }

    public ClientConnection Client => _client;

    /// <summary>
    /// Serves the connection until the client closes it, <paramref name="stop"/> cuts it, or, once <see cref="Drain"/>
    /// is called, the exchange in flight is over.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var stream = new MeteredStream(new NetworkStream(_socket, ownsSocket: true), _metrics, clientSide: true);
        var channel = new ClientChannel(stream, PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)));
        try
        {
            await _chain.InvokeAsync(Hook.ClientConnected, new ClientConnectionContext(_client, stop)).ConfigureAwait(false);
            if (_client.Error is not null)
            {
                return;
            }

            var origin = _settings.Mode.Upstream is { } upstream
                ? RequestOrigin.Reverse(upstream)
                : RequestOrigin.Forward;
            await ServeAsync(channel, origin, stop).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or the host is stopping: nothing left to answer.
        }
        catch (Exception ex)
        {
            LogSessionFailed(_logger, _client.PeerName?.ToString() ?? "?", ex.Message, ex);
        }
        finally
        {
            _client.TimestampEnd = DateTimeOffset.UtcNow;
            await channel.DisposeAsync().ConfigureAwait(false);
            await _chain.InvokeAsync(Hook.ClientDisconnected, new ClientConnectionContext(_client, CancellationToken.None)).ConfigureAwait(false);
        }
    }

    /// <summary>The request loop of one connection (plain, or decrypted inside a tunnel).</summary>
    private async Task ServeAsync(ClientChannel channel, RequestOrigin origin, CancellationToken stop)
    {
        var downstream = new ClientDownstream(this, channel);
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

            _metrics.RequestRead();
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
    private async Task<bool> ExchangeAsync(ClientChannel channel, ClientDownstream downstream, HttpFlow flow, RequestHead head, CancellationToken stop)
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
            var outcome = await _upstream.ForwardAsync(flow, _client, channel.Sni, forward, downstream, _settings, stop).ConfigureAwait(false);
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
            await _pool.CloseAsync(connection).ConfigureAwait(false);
            await _chain.StepAsync(Hook.WebSocketEnd, flow, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>CONNECT: ask the addons, answer 200, then intercept TLS, serve plain HTTP, or tunnel raw bytes.</summary>
    private async Task ConnectAsync(ClientChannel channel, RequestHead head, CancellationToken stop)
    {
        if (!TryParseAuthority(head.Target, out var host, out var port))
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

        var first = await PeekAsync(channel.Reader, stop).ConfigureAwait(false);
        if (first is null)
        {
            return;
        }

        if (first == 0x16 && _tls is not null && !_settings.IsIgnored(host, port))
        {
            await _tls.InterceptAsync(this, channel, host, port, _settings, stop).ConfigureAwait(false);
            return;
        }

        if (first != 0x16 && !_settings.IsIgnored(host, port) && IsHttpMethodStart(first.Value))
        {
            await ServeAsync(channel, RequestOrigin.Tunnel("http", host, port), stop).ConfigureAwait(false);
            return;
        }

        // Ignored hosts pass through unseen; other traffic the proxy does not understand is a TCP flow, as in mitmproxy.
        await TunnelAsync(channel, host, port, stop, asFlow: !_settings.IsIgnored(host, port)).ConfigureAwait(false);
    }

    /// <summary>Serves the decrypted requests of an intercepted tunnel.</summary>
    internal Task ServeTunnelAsync(ClientChannel decrypted, string host, int port, CancellationToken stop) =>
        ServeAsync(decrypted, RequestOrigin.Tunnel("https", host, port), stop);

    /// <summary>
    /// Relays bytes to host:port, for ignored hosts (unchanged and unseen) and traffic the proxy does not understand
    /// (with <paramref name="asFlow"/>, a TCP flow whose messages go through the addons).
    /// </summary>
    internal async Task TunnelAsync(ClientChannel channel, string host, int port, CancellationToken stop, bool asFlow = false)
    {
        UpstreamConnection connection;
        try
        {
            connection = await _connector.ConnectAsync(new UpstreamKey("tcp", host, port), _client, _settings, stop).ConfigureAwait(false);
        }
        catch (UpstreamException ex)
        {
            LogTunnelFailed(_logger, $"{host}:{port}", ex.Message);
            return;
        }

        try
        {
            if (asFlow)
            {
                var flow = new TcpFlow { Client = _client, Server = connection.Model };
                await new TcpFlowRelay(_chain, flow).RunAsync(channel.Reader, channel.Stream, connection.Reader, connection.Stream, stop).ConfigureAwait(false);
            }
            else
            {
                await Relay.RunAsync(channel.Reader, channel.Stream, connection.Reader, connection.Stream, stop).ConfigureAwait(false);
            }
        }
        finally
        {
            await _pool.CloseAsync(connection).ConfigureAwait(false);
        }
    }

    private static async Task<byte?> PeekAsync(PipeReader reader, CancellationToken stop)
    {
        var result = await reader.ReadAsync(stop).ConfigureAwait(false);
        if (result.Buffer.IsEmpty)
        {
            reader.AdvanceTo(result.Buffer.Start);
            return null;
        }

        var first = result.Buffer.FirstSpan[0];
        reader.AdvanceTo(result.Buffer.Start);
        return first;
    }

    private static bool IsHttpMethodStart(byte b) => b is >= (byte)'A' and <= (byte)'Z';

    private static bool IsUpgrade(HttpHeaders headers) =>
        headers.Contains("Upgrade") && Http1Writer.HasConnectionOption(headers, "upgrade");

    /// <summary>The client connection as an upstream exchange sees it: interim responses and streamed bodies go to it.</summary>
    private sealed class ClientDownstream(ClientSession session, ClientChannel channel) : IDownstream
    {
        public async ValueTask SendInterimAsync(ResponseHead head, CancellationToken stop)
        {
            var output = session._output;
            output.ResetWrittenCount();
            Http1Writer.WriteInterimResponse(output, head);
            await channel.Stream.WriteAsync(output.WrittenMemory, stop).ConfigureAwait(false);
        }

        public async Task CopyRequestBodyAsync(BodyFraming framing, Stream server, CancellationToken stop)
        {
            var settings = session._settings;
            using var deadline = new ReadDeadline(settings.ClientTimeout, stop);
            await Http1BodyCopier.CopyAsync(channel.Reader, framing, server, chunkedOut: true, settings.Limits, 400, deadline).ConfigureAwait(false);
        }

        public async ValueTask<StreamedResponse> StartStreamedResponseAsync(HttpFlow flow, BodyFraming framing, CancellationToken stop)
        {
            var clientKeepAlive = flow.Request.HttpVersion == "HTTP/1.1" && !Http1Writer.HasConnectionOption(flow.Request.Headers, "close");
            var chunkedOut = framing.Kind == BodyKind.Chunked && flow.Request.HttpVersion == "HTTP/1.1";
            var outFraming = framing.Kind == BodyKind.ContentLength || chunkedOut ? OutgoingFraming.HeadersOnly : OutgoingFraming.CloseDelimited;
            var mustClose = !clientKeepAlive || outFraming == OutgoingFraming.CloseDelimited || session._draining;
            var output = session._output;
            output.ResetWrittenCount();
            Http1Writer.WriteResponseHead(output, flow.Response!, outFraming, 0, upgrade: false, close: mustClose);
            await channel.Stream.WriteAsync(output.WrittenMemory, stop).ConfigureAwait(false);
            return new StreamedResponse(channel.Stream, chunkedOut, mustClose);
        }
    }

    internal static bool TryParseAuthority(string authority, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(authority.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = authority[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        return host.Length > 0 && !host.Any(c => char.IsWhiteSpace(c) || c == '/' || c == '@');
    }

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Client {Client}: bad request: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string client, string reason);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Client {Client}: the connection failed: {Reason}")]
    private static partial void LogSessionFailed(ILogger logger, string client, string reason, Exception exception);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Tunnel to {Target} failed: {Reason}")]
    private static partial void LogTunnelFailed(ILogger logger, string target, string reason);
}
