using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Testing;

/// <summary>
/// Flows for tests, as mitmproxy's <c>tflow</c> makes them: complete enough for any addon (client and server
/// connections, timestamps, headers), the same every time. Each builder returns a new flow to change as the test needs;
/// the <c>With...</c> extensions add a response, an error or messages and return the same flow, so they chain:
/// <c>TestFlows.Http("POST", "https://example.com/api", "{}").WithResponse(201)</c>.
/// </summary>
/// <remarks>
/// Every timestamp is fixed, counted from <see cref="Epoch"/> as mitmproxy's are: the request from +0 s to +1 s, the
/// server connection at +1 s, the response from +2 s to +3 s, WebSocket and stream messages from +3 s, an error at
/// +7 s. A flow is not <see cref="Flow.Live"/>: <see cref="AddonTestHost.CycleAsync"/> makes it live while its hooks run.
/// </remarks>
public static class TestFlows
{
    /// <summary>946681200 seconds after 1970 (1999-12-31 23:00 UTC), mitmproxy's test flows' time: every test flow is created then.</summary>
    public static DateTimeOffset Epoch { get; } = DateTimeOffset.FromUnixTimeSeconds(946681200);

    /// <summary>
    /// An HTTP request without a response, as an explicit proxy receives it: <c>GET http://example.com/path</c> from
    /// 127.0.0.1:22, sent to the URL's host and port (for https, TLS with both sides and the host as SNI). The headers
    /// are <c>Host</c>, then <c>Content-Length</c> with a body, then <paramref name="headers"/> in order (a name given
    /// there replaces the default one).
    /// </summary>
    /// <param name="method">The method, kept as written.</param>
    /// <param name="url">An absolute http or https URL; its path and query are kept escaped as given.</param>
    /// <param name="body">The body as UTF-8 text; <c>null</c> for none.</param>
    /// <param name="headers">More header fields, in order.</param>
    /// <exception cref="ArgumentException"><paramref name="url"/> is not an absolute http or https URL.</exception>
    public static HttpFlow Http(string method = "GET", string url = "http://example.com/path", string? body = null, params (string Name, string Value)[] headers)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(headers);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{url}' is not an absolute http or https URL, such as http://example.com/path.", nameof(url));
        }

        var host = uri.Host.Trim('[', ']');
        var content = body is null ? [] : Encoding.UTF8.GetBytes(body);
        var flow = new HttpFlow
        {
            TimestampCreated = Epoch,
            Request = new HttpRequest
            {
                Method = method,
                Scheme = uri.Scheme,
                Host = host,
                Port = uri.Port,
                Path = uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped),
                Headers = Headers(headers, ("Host", uri.IsDefaultPort ? uri.Host : uri.Authority), body is null ? null : ("Content-Length", Length(content))),
                Content = content,
                TimestampStart = Epoch,
                TimestampEnd = Epoch.AddSeconds(1),
            },
        };
        Connect(flow, new HostPort(host, uri.Port), "tcp");
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            foreach (var side in new Connection[] { flow.Client, flow.Server })
            {
                side.TlsEstablished = true;
                side.TlsVersion = "TLSv1.3";
                side.Sni = host;
                side.Alpn = "http/1.1";
                side.TimestampTlsSetup = side.TimestampStart;
            }
        }

        return flow;
    }

    /// <summary>
    /// A WebSocket: the upgrade request to <paramref name="url"/>, its <c>101 Switching Protocols</c>, and with
    /// <paramref name="messages"/> mitmproxy's three messages (binary "hello binary" and text "hello text" from the
    /// client, text "it's me" from the server), closed by the client with code 1000.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="url"/> is not an absolute http or https URL.</exception>
    public static HttpFlow WebSocket(string url = "http://example.com/ws", bool messages = true)
    {
        var flow = Http("GET", url, null, ("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="));
        flow.WithResponse(101, (string?)null, ("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        flow.Response!.Headers.Remove("Content-Length");
        flow.WebSocket = new WebSocketData { ClosedByClient = true, CloseCode = 1000, CloseReason = "", TimestampEnd = Epoch.AddSeconds(6) };
        if (messages)
        {
            flow.WithWebSocketMessage(true, "hello binary"u8.ToArray())
                .WithWebSocketMessage(true, "hello text")
                .WithWebSocketMessage(false, "it's me");
        }

        return flow;
    }

    /// <summary>
    /// A TCP connection from 127.0.0.1:22 to <paramref name="server"/>, with <paramref name="messages"/> mitmproxy's
    /// two: "hello" from the client, then "it's me" from the server.
    /// </summary>
    /// <param name="server"><c>host:port</c>, an IPv6 address in brackets (<c>[::1]:5432</c>).</param>
    /// <param name="messages">Whether it has the two messages; without, it has none.</param>
    /// <exception cref="ArgumentException"><paramref name="server"/> is not <c>host:port</c>.</exception>
    public static TcpFlow Tcp(string server = "example.com:22", bool messages = true) => Stream(new TcpFlow(), server, "tcp", messages);

    /// <summary>As <see cref="Tcp"/>, UDP datagrams: "hello" from the client, then "it's me" from the server.</summary>
    /// <exception cref="ArgumentException"><paramref name="server"/> is not <c>host:port</c>.</exception>
    public static UdpFlow Udp(string server = "example.com:22", bool messages = true) => Stream(new UdpFlow(), server, "udp", messages);

    /// <summary>
    /// A DNS query without an answer, over UDP to 8.8.8.8:53, as mitmproxy's <c>tdnsflow</c>: id 42, recursion desired,
    /// one question for <paramref name="name"/>. <see cref="WithResponse(DnsFlow, string[])"/> answers it.
    /// </summary>
    /// <param name="name">The name asked for.</param>
    /// <param name="type">The record type: 1 A, 28 AAAA, 5 CNAME...</param>
    public static DnsFlow Dns(string name = "dns.google", int type = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var flow = new DnsFlow
        {
            TimestampCreated = Epoch,
            Request = new DnsMessage { Id = 42, RecursionDesired = true, Questions = [new DnsQuestion(name, type)], Timestamp = Epoch },
        };
        Connect(flow, new HostPort("8.8.8.8", 53), "udp");
        return flow;
    }

    /// <summary>
    /// Gives <paramref name="flow"/> a complete response: <paramref name="status"/> with its reason phrase,
    /// <c>Content-Length</c> (unless <paramref name="headers"/> has one) and <paramref name="headers"/> in order, the
    /// body as UTF-8 text (empty when <c>null</c>).
    /// </summary>
    /// <returns>The same flow.</returns>
    public static HttpFlow WithResponse(this HttpFlow flow, int status = 200, string? body = null, params (string Name, string Value)[] headers) =>
        flow.WithResponse(status, body is null ? [] : Encoding.UTF8.GetBytes(body), headers);

    /// <summary>As <see cref="WithResponse(HttpFlow, int, string?, ValueTuple{string, string}[])"/>, with a body of bytes.</summary>
    /// <returns>The same flow.</returns>
    public static HttpFlow WithResponse(this HttpFlow flow, int status, byte[] body, params (string Name, string Value)[] headers)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(headers);
        flow.Response = new HttpResponse
        {
            StatusCode = status,
            Reason = ReasonPhrases.For(status),
            Headers = Headers(headers, null, ("Content-Length", Length(body))),
            Content = body,
            TimestampStart = Epoch.AddSeconds(2),
            TimestampEnd = Epoch.AddSeconds(3),
        };
        return flow;
    }

    /// <summary>
    /// Answers a DNS query with an A record (AAAA for an IPv6 address) per address, for the first question's name, as
    /// mitmproxy's <c>tdnsresp</c>; without addresses, 8.8.8.8 and 8.8.4.4.
    /// </summary>
    /// <returns>The same flow.</returns>
    /// <exception cref="ArgumentException">An address is not an IP address.</exception>
    public static DnsFlow WithResponse(this DnsFlow flow, params string[] addresses)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(addresses);
        var name = flow.Request.Questions.FirstOrDefault()?.Name ?? "";
        var answers = (addresses.Length == 0 ? ["8.8.8.8", "8.8.4.4"] : addresses).Select(address =>
            IPAddress.TryParse(address, out var ip)
                ? new DnsResourceRecord(name, ip.AddressFamily == AddressFamily.InterNetworkV6 ? 28 : 1, 1, 32, ip.GetAddressBytes())
                : throw new ArgumentException($"'{address}' is not an IP address.", nameof(addresses)));
        flow.Response = new DnsMessage
        {
            Id = flow.Request.Id,
            Query = false,
            RecursionDesired = flow.Request.RecursionDesired,
            RecursionAvailable = true,
            Questions = [.. flow.Request.Questions],
            Answers = [.. answers],
            Timestamp = Epoch.AddSeconds(1),
        };
        return flow;
    }

    /// <summary>Gives <paramref name="flow"/> an error, as the proxy records one (mitmproxy's <c>terr</c>): <c>FlowError.KilledMessage</c> makes it killed.</summary>
    /// <returns>The same flow.</returns>
    public static T WithError<T>(this T flow, string message = "error")
        where T : Flow
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentException.ThrowIfNullOrEmpty(message);
        flow.Error = new FlowError(message, Epoch.AddSeconds(7));
        return flow;
    }

    /// <summary>Adds a text message to a WebSocket flow, a second after the one before it.</summary>
    /// <returns>The same flow.</returns>
    /// <exception cref="InvalidOperationException">The flow has no WebSocket (make it with <see cref="WebSocket"/>).</exception>
    public static HttpFlow WithWebSocketMessage(this HttpFlow flow, bool fromClient, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return flow.AddWebSocketMessage(fromClient, WebSocketMessageType.Text, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Adds a binary message to a WebSocket flow, a second after the one before it.</summary>
    /// <returns>The same flow.</returns>
    /// <exception cref="InvalidOperationException">The flow has no WebSocket (make it with <see cref="WebSocket"/>).</exception>
    public static HttpFlow WithWebSocketMessage(this HttpFlow flow, bool fromClient, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        return flow.AddWebSocketMessage(fromClient, WebSocketMessageType.Binary, content);
    }

    /// <summary>Adds a message to a TCP or UDP flow, as UTF-8 text, 0.3 s after the one before it.</summary>
    /// <returns>The same flow.</returns>
    public static T WithMessage<T>(this T flow, bool fromClient, string text)
        where T : StreamFlow
    {
        ArgumentNullException.ThrowIfNull(text);
        return flow.WithMessage(fromClient, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Adds a message of bytes to a TCP or UDP flow, 0.3 s after the one before it.</summary>
    /// <returns>The same flow.</returns>
    public static T WithMessage<T>(this T flow, bool fromClient, byte[] content)
        where T : StreamFlow
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(content);
        var at = flow.Messages.Count == 0 ? Epoch.AddSeconds(4.2) : flow.Messages[^1].Timestamp.AddSeconds(0.3);
        flow.Messages.Add(new StreamMessage { FromClient = fromClient, Content = content, Timestamp = at });
        return flow;
    }

    private static HttpFlow AddWebSocketMessage(this HttpFlow flow, bool fromClient, WebSocketMessageType type, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var webSocket = flow.WebSocket ?? throw new InvalidOperationException(
            $"Flow {flow.Id} is not a WebSocket; make it with TestFlows.WebSocket(), or give it WebSocketData first.");
        var at = webSocket.Messages.Count == 0 ? Epoch.AddSeconds(3) : webSocket.Messages[^1].Timestamp.AddSeconds(1);
        webSocket.Messages.Add(new WebSocketMessage { Type = type, FromClient = fromClient, Content = content, Timestamp = at });
        return flow;
    }

    private static T Stream<T>(T flow, string server, string transport, bool messages)
        where T : StreamFlow
    {
        flow.TimestampCreated = Epoch;
        Connect(flow, ParseHostPort(server), transport);
        return messages ? flow.WithMessage(true, "hello").WithMessage(false, "it's me") : flow;
    }

    /// <summary>The client at 127.0.0.1:22 (connected at the epoch) and a server at <paramref name="address"/> (connected a second later).</summary>
    private static void Connect(Flow flow, HostPort address, string transport)
    {
        flow.Client.PeerName = new HostPort("127.0.0.1", 22);
        flow.Client.SockName = new HostPort("127.0.0.1", 8080);
        flow.Client.TransportProtocol = transport;
        flow.Client.TimestampStart = Epoch;
        flow.Server.Address = address;
        flow.Server.PeerName = IPAddress.TryParse(address.Host, out _) ? address : new HostPort("192.0.2.1", address.Port);
        flow.Server.TransportProtocol = transport;
        flow.Server.TimestampStart = Epoch.AddSeconds(1);
        flow.Server.TimestampTcpSetup = Epoch.AddSeconds(1);
    }

    private static HostPort ParseHostPort(string server)
    {
        ArgumentException.ThrowIfNullOrEmpty(server);
        var colon = server.LastIndexOf(':');
        if (colon > 0 && int.TryParse(server.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
        {
            var host = server[..colon];
            if (host.StartsWith('[') && host.EndsWith(']'))
            {
                host = host[1..^1];
            }

            if (host.Length > 0 && !host.Contains('[', StringComparison.Ordinal))
            {
                return new HostPort(host, port);
            }
        }

        throw new ArgumentException($"'{server}' is not host:port, such as example.com:22 or [::1]:22.", nameof(server));
    }

    /// <summary>The given fields in order, after the defaults whose names they do not have.</summary>
    private static HttpHeaders Headers((string Name, string Value)[] given, params (string Name, string Value)?[] defaults)
    {
        var headers = new HttpHeaders();
        foreach (var field in defaults)
        {
            if (field is { } pair && !given.Any(g => string.Equals(g.Name, pair.Name, StringComparison.OrdinalIgnoreCase)))
            {
                headers.Add(pair.Name, pair.Value);
            }
        }

        foreach (var (name, value) in given)
        {
            headers.Add(name, value);
        }

        return headers;
    }

    private static string Length(byte[] content) => content.Length.ToString(CultureInfo.InvariantCulture);
}
