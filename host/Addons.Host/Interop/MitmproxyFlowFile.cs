using System.Globalization;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Host.Interop;

/// <summary>
/// mitmproxy's own flow files (<c>mitmdump -w</c>): a stream of tnetstring-encoded flow states. Reading takes the
/// flows of files written by mitmproxy 8.x (flow format 14 to 17, upgraded on read as mitmproxy's own compat does) and
/// of later versions (18 and up, read by field name: the connection fields renamed since, such as <c>peername</c> for
/// <c>address</c>, are taken under either name): HTTP flows with <see cref="Read(string, Action{string})"/>, and TCP,
/// UDP and DNS flows too with <see cref="ReadFlows(string, Action{string})"/>. Writing produces flow
/// format 17, which mitmproxy 8.1 reads as it is and later versions upgrade; it has HTTP, TCP and DNS flows, not UDP
/// ones. A damaged file yields the flows before the damage, then throws a <see cref="FormatException"/> naming the file
/// and the byte offset.
/// </summary>
internal static class MitmproxyFlowFile
{
    /// <summary>The flow format this writes (mitmproxy 8.1's).</summary>
    public const int WrittenVersion = 17;

    /// <summary>The oldest flow format read (mitmproxy 8.0's).</summary>
    public const int OldestVersion = 14;

    /// <summary>The newest flow format read (mitmproxy's as of August 2026); a newer file is refused, as mitmproxy refuses one.</summary>
    public const int NewestVersion = 21;

    /// <summary>Whether <paramref name="bytes"/> look like a mitmproxy flow file (a tnetstring length first).</summary>
    public static bool Sniff(ReadOnlySpan<byte> bytes) => bytes.Length > 2 && char.IsAsciiDigit((char)bytes[0]);

    /// <summary>The HTTP flows of the file at <paramref name="path"/>, in order.</summary>
    /// <param name="path">The file.</param>
    /// <param name="skipped">Told, in one sentence each, of flows that are not HTTP flows (TCP, UDP, DNS), which are left out.</param>
    /// <exception cref="FormatException">The file cannot be read or is damaged (after the flows before the damage).</exception>
    public static IEnumerable<HttpFlow> Read(string path, Action<string>? skipped = null)
    {
        var (bytes, name) = FlowFileBytes.Read(path);
        return Read(bytes, name, skipped);
    }

    /// <summary>The HTTP flows of a flow file held in <paramref name="bytes"/>; <paramref name="name"/> names it in messages.</summary>
    public static IEnumerable<HttpFlow> Read(byte[] bytes, string name, Action<string>? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return ReadCore(bytes, name, skipped, httpOnly: true).Cast<HttpFlow>();
    }

    /// <summary>Every flow of the file at <paramref name="path"/>, in order: HTTP, TCP, UDP and DNS flows.</summary>
    /// <param name="path">The file.</param>
    /// <param name="skipped">Told, in one sentence each, of flows of a type this build does not know, which are left out.</param>
    /// <exception cref="FormatException">The file cannot be read or is damaged (after the flows before the damage).</exception>
    public static IEnumerable<Flow> ReadFlows(string path, Action<string>? skipped = null)
    {
        var (bytes, name) = FlowFileBytes.Read(path);
        return ReadFlows(bytes, name, skipped);
    }

    /// <summary>Every flow of a flow file held in <paramref name="bytes"/>; <paramref name="name"/> names it in messages.</summary>
    public static IEnumerable<Flow> ReadFlows(byte[] bytes, string name, Action<string>? skipped = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return ReadCore(bytes, name, skipped, httpOnly: false);
    }

    private static IEnumerable<Flow> ReadCore(byte[] bytes, string name, Action<string>? skipped, bool httpOnly)
    {
        var offset = 0;
        var index = 0;
        while (offset < bytes.Length)
        {
            if (char.IsWhiteSpace((char)bytes[offset]))
            {
                offset++;
                continue;
            }

            var at = offset;
            Dictionary<string, object?> state;
            Flow? flow;
            try
            {
                state = Tnetstring.Read(bytes, ref offset) as Dictionary<string, object?>
                    ?? throw new FormatException($"at byte {at}: a flow is a dictionary");
                flow = FromState(state, skipped is null ? null : reason => skipped($"Flow file {name}, flow {index} at byte {at}: {reason}"));
            }
            catch (FormatException e)
            {
                throw new FormatException($"Flow file {name} is damaged after {index} flows: {e.Message}.", e);
            }
            catch (Exception e) when (e is InvalidCastException or KeyNotFoundException or OverflowException)
            {
                throw new FormatException($"Flow file {name}, flow {index} at byte {at}: its state is not a mitmproxy flow ({e.Message}).", e);
            }

            index++;
            if (httpOnly && flow is not null and not HttpFlow)
            {
                skipped?.Invoke($"Flow file {name}, flow {index - 1} at byte {at}: a {flow.Type.ToString().ToLowerInvariant()} flow, which a reader of HTTP flows leaves out");
            }
            else if (flow is not null)
            {
                yield return flow;
            }
        }
    }

    /// <summary>Writes <paramref name="flows"/> in flow format <see cref="WrittenVersion"/>.</summary>
    public static void Write(Stream stream, IEnumerable<HttpFlow> flows)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(flows);
        foreach (var flow in flows)
        {
            Write(stream, flow);
        }
    }

    /// <summary>Writes one flow in flow format <see cref="WrittenVersion"/>.</summary>
    public static void Write(Stream stream, HttpFlow flow) => Write(stream, (Flow)flow);

    /// <summary>
    /// Writes one flow of any type flow format <see cref="WrittenVersion"/> has (HTTP, TCP and DNS).
    /// </summary>
    /// <exception cref="ArgumentException">A UDP flow: mitmproxy 8.1's format has none (nothing is written).</exception>
    public static void Write(Stream stream, Flow flow)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(flow);
        Tnetstring.Write(stream, ToState(flow));
    }

    /// <summary>Writes flows of any type flow format <see cref="WrittenVersion"/> has, as <see cref="Write(Stream, Flow)"/> does.</summary>
    public static void WriteFlows(Stream stream, IEnumerable<Flow> flows)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(flows);
        foreach (var flow in flows)
        {
            Write(stream, flow);
        }
    }

    private static Flow? FromState(Dictionary<string, object?> state, Action<string>? skipped)
    {
        var version = state.TryGetValue("version", out var v) ? v : null;
        if (version is not long number)
        {
            throw new FormatException($"its flow format version is {(version is null ? "missing" : Describe(version))}, older than mitmproxy 8.0's {OldestVersion}, which this build does not upgrade");
        }

        if (number < OldestVersion)
        {
            throw new FormatException($"its flow format version is {number}, older than mitmproxy 8.0's {OldestVersion}, which this build does not upgrade");
        }

        if (number > NewestVersion)
        {
            throw new FormatException($"its flow format version is {number}, newer than the {NewestVersion} this build reads; convert the file with that mitmproxy (as HAR, say)");
        }

        var type = Text(state, "type") ?? "http";
        Flow flow;
        DateTimeOffset fallback;
        switch (type)
        {
            case "http":
                Upgrade(state, number);
                var http = HttpFromState(state);
                flow = http;
                fallback = http.Request.TimestampStart;
                break;
            case "tcp" or "udp":
                var messages = StreamMessages(state);
                flow = type == "tcp" ? new TcpFlow { Messages = messages } : new UdpFlow { Messages = messages };
                fallback = messages.Count > 0 ? messages[0].Timestamp : DateTimeOffset.UnixEpoch;
                break;
            case "dns":
                var dns = new DnsFlow
                {
                    Request = DnsMessageOf(state.GetValueOrDefault("request") as Dictionary<string, object?>) ?? new DnsMessage(),
                    Response = DnsMessageOf(state.GetValueOrDefault("response") as Dictionary<string, object?>),
                };
                flow = dns;
                fallback = dns.Request.Timestamp ?? DateTimeOffset.UnixEpoch;
                break;
            default:
                skipped?.Invoke($"a {type} flow, which this build does not read; left out");
                return null;
        }

        ReadCommon(state, flow, fallback);
        return flow;
    }

    private static HttpFlow HttpFromState(Dictionary<string, object?> state)
    {
        var request = (Dictionary<string, object?>)state["request"]!;
        var flow = new HttpFlow
        {
            Request = new HttpRequest
            {
                Method = Latin1(request, "method") ?? "GET",
                Scheme = Latin1(request, "scheme") ?? "http",
                Authority = Latin1(request, "authority") ?? "",
                Host = Text(request, "host") ?? "",
                Port = (int)(Number(request, "port") ?? 0),
                Path = Latin1(request, "path") ?? "/",
            },
        };
        ReadMessage(request, flow.Request);
        if (state.TryGetValue("response", out var r) && r is Dictionary<string, object?> response)
        {
            flow.Response = new HttpResponse { StatusCode = (int)(Number(response, "status_code") ?? 0), Reason = Latin1(response, "reason") ?? "" };
            ReadMessage(response, flow.Response);
        }

        if (state.TryGetValue("websocket", out var w) && w is Dictionary<string, object?> websocket)
        {
            flow.WebSocket = new WebSocketData
            {
                ClosedByClient = websocket.TryGetValue("closed_by_client", out var by) && by is bool b ? b : null,
                CloseCode = (int?)Number(websocket, "close_code"),
                CloseReason = Text(websocket, "close_reason"),
                TimestampEnd = Time(websocket, "timestamp_end"),
            };
            foreach (var item in websocket.TryGetValue("messages", out var list) && list is List<object?> messages ? messages : [])
            {
                var message = (List<object?>)item!;
                flow.WebSocket.Messages.Add(new WebSocketMessage
                {
                    Type = (WebSocketMessageType)(long)message[0]!,
                    FromClient = (bool)message[1]!,
                    Content = message[2] as byte[] ?? Encoding.UTF8.GetBytes(message[2] as string ?? ""),
                    Timestamp = FromUnix((double)ToDouble(message[3])),
                    Dropped = message.Count > 4 && message[4] is true,
                    Injected = message.Count > 5 && message[5] is true,
                });
            }
        }

        return flow;
    }

    /// <summary>The fields every flow type has: id, mark, comment, replay, error, metadata, connections, creation time.</summary>
    private static void ReadCommon(Dictionary<string, object?> state, Flow flow, DateTimeOffset fallback)
    {
        flow.Id = Guid.TryParse(Text(state, "id"), out var id) ? id : Guid.NewGuid();
        flow.Marked = Text(state, "marked") ?? "";
        flow.Comment = Text(state, "comment") ?? "";
        flow.IsReplay = Text(state, "is_replay") switch { "request" => ReplayKind.Request, "response" => ReplayKind.Response, _ => ReplayKind.None };
        if (state.TryGetValue("error", out var e) && e is Dictionary<string, object?> error)
        {
            flow.Error = new FlowError(Text(error, "msg") ?? "", Time(error, "timestamp") ?? fallback);
        }

        if (state.TryGetValue("metadata", out var m) && m is Dictionary<string, object?> metadata)
        {
            foreach (var (key, value) in metadata)
            {
                flow.Metadata[key] = value switch { string s => s, byte[] b => Encoding.UTF8.GetString(b), null => "", _ => Describe(value) };
            }
        }

        if (state.TryGetValue("client_conn", out var c) && c is Dictionary<string, object?> client)
        {
            ReadConnection(client, flow.Client, "address");
            flow.Client.MitmCertificate = Text(client, "mitmcert") is { } pem ? FromPem(pem) : null;
            flow.Client.ProxyMode = Text(client, "proxy_mode") ?? "regular";
        }

        if (state.TryGetValue("server_conn", out var s2) && s2 is Dictionary<string, object?> server)
        {
            ReadConnection(server, flow.Server, "ip_address");
            flow.Server.Address = HostPort(server, "address");
            flow.Server.TimestampTcpSetup = Time(server, "timestamp_tcp_setup");
            flow.Server.Via = server.TryGetValue("via", out var via) && via is not null ? Describe(via) : null;
            if (!server.ContainsKey("peername") && server.ContainsKey("source_address"))
            {
                flow.Server.SockName = HostPort(server, "source_address");
            }
        }

        flow.TimestampCreated = Time(state, "timestamp_created") ?? fallback;
    }

    /// <summary>A TCP or UDP flow's messages: [from_client, content, timestamp] each.</summary>
    private static List<StreamMessage> StreamMessages(Dictionary<string, object?> state) =>
        [.. (state.TryGetValue("messages", out var list) && list is List<object?> messages ? messages : [])
            .Select(item => (List<object?>)item!)
            .Select(message => new StreamMessage
            {
                FromClient = message[0] is true,
                Content = message[1] as byte[] ?? Encoding.UTF8.GetBytes(message[1] as string ?? ""),
                Timestamp = FromUnix(ToDouble(message.Count > 2 ? message[2] : null)),
            })];

    /// <summary>A DNS message's state: its header fields, and questions and records as dictionaries.</summary>
    private static DnsMessage? DnsMessageOf(Dictionary<string, object?>? state)
    {
        if (state is null)
        {
            return null;
        }

        List<DnsResourceRecord> Records(string key) =>
            [.. (state.TryGetValue(key, out var value) && value is List<object?> list ? list : [])
                .OfType<Dictionary<string, object?>>()
                .Select(r => new DnsResourceRecord(Text(r, "name") ?? "", (int)(Number(r, "type") ?? 0), (int)(Number(r, "class_") ?? Number(r, "class") ?? 1), Number(r, "ttl") ?? 0, r.GetValueOrDefault("data") as byte[] ?? []))];

        return new DnsMessage
        {
            Id = (int)(Number(state, "id") ?? 0),
            Query = state.GetValueOrDefault("query") is not false,
            OpCode = (int)(Number(state, "op_code") ?? 0),
            AuthoritativeAnswer = state.GetValueOrDefault("authoritative_answer") is true,
            Truncation = state.GetValueOrDefault("truncation") is true,
            RecursionDesired = state.GetValueOrDefault("recursion_desired") is true,
            RecursionAvailable = state.GetValueOrDefault("recursion_available") is true,
            Reserved = (int)(Number(state, "reserved") ?? 0),
            ResponseCode = (int)(Number(state, "response_code") ?? 0),
            Questions = [.. (state.TryGetValue("questions", out var q) && q is List<object?> questions ? questions : [])
                .OfType<Dictionary<string, object?>>()
                .Select(x => new DnsQuestion(Text(x, "name") ?? "", (int)(Number(x, "type") ?? 1), (int)(Number(x, "class_") ?? Number(x, "class") ?? 1)))],
            Answers = Records("answers"),
            Authorities = Records("authorities"),
            Additionals = Records("additionals"),
            Timestamp = Time(state, "timestamp"),
        };
    }

    /// <summary>mitmproxy 8.1's own upgrades from 14 to 17 (its io/compat), applied to the state before it is read.</summary>
    private static void Upgrade(Dictionary<string, object?> state, long version)
    {
        if (version < 15 && state.TryGetValue("websocket", out var w) && w is Dictionary<string, object?> websocket
            && websocket.TryGetValue("messages", out var m) && m is List<object?> messages)
        {
            // 14 to 15: messages gain an "injected" flag.
            foreach (var message in messages.OfType<List<object?>>())
            {
                message.Add(false);
            }
        }

        if (version < 16 && !state.ContainsKey("timestamp_created"))
        {
            // 15 to 16: the creation time is the request's start, or the client connection's.
            var source = state.TryGetValue("request", out var r) && r is Dictionary<string, object?> request ? request : (Dictionary<string, object?>?)state.GetValueOrDefault("client_conn");
            state["timestamp_created"] = source?.GetValueOrDefault("timestamp_start");
        }

        // 16 to 17 dropped "mode", which is not read.
    }

    private static void ReadMessage(Dictionary<string, object?> state, HttpMessage message)
    {
        message.HttpVersion = Latin1(state, "http_version") ?? "HTTP/1.1";
        message.Headers = Headers(state, "headers") ?? new HttpHeaders();
        message.Trailers = Headers(state, "trailers");
        message.Content = state.TryGetValue("content", out var content) ? content as byte[] : null;
        message.TimestampStart = Time(state, "timestamp_start") ?? DateTimeOffset.UnixEpoch;
        message.TimestampEnd = Time(state, "timestamp_end");
    }

    private static void ReadConnection(Dictionary<string, object?> state, Connection connection, string oldPeerName)
    {
        if (Text(state, "id") is { } id && Guid.TryParse(id, out var guid))
        {
            connection.Id = guid;
        }

        connection.PeerName = HostPort(state, "peername") ?? HostPort(state, oldPeerName);
        connection.SockName = HostPort(state, "sockname");
        connection.TransportProtocol = Text(state, "transport_protocol") ?? "tcp";
        connection.Error = Text(state, "error");
        // Up to format 18 the state says so; later mitmproxy derives it from the handshake's timestamp.
        connection.TlsEstablished = state.TryGetValue("tls_established", out var tls) ? tls is true : Time(state, "timestamp_tls_setup") is not null;
        connection.TlsVersion = Text(state, "tls_version");
        connection.Sni = Text(state, "sni");
        connection.Alpn = state.TryGetValue("alpn", out var alpn) && alpn is byte[] a ? Encoding.Latin1.GetString(a) : Text(state, "alpn");
        connection.AlpnOffers = Strings(state, "alpn_offers");
        connection.Cipher = Text(state, "cipher") ?? Text(state, "cipher_name");
        connection.CipherList = Strings(state, "cipher_list");
        connection.CertificateChain = [.. Strings(state, "certificate_list").Select(FromPem)];
        connection.TimestampStart = Time(state, "timestamp_start");
        connection.TimestampTlsSetup = Time(state, "timestamp_tls_setup");
        connection.TimestampEnd = Time(state, "timestamp_end");
    }

    private static Dictionary<string, object?> ToState(Flow flow)
    {
        switch (flow)
        {
            case HttpFlow http:
                return ToState(http);
            case TcpFlow tcp:
                var state = CommonState(tcp, "tcp");
                state["messages"] = tcp.Messages.Select(m => (object?)new List<object?> { m.FromClient, m.Content, Unix(m.Timestamp) }).ToList();
                return state;
            case DnsFlow dns:
                state = CommonState(dns, "dns");
                state["request"] = DnsState(dns.Request);
                state["response"] = dns.Response is { } response ? DnsState(response) : null;
                return state;
            default:
                throw new ArgumentException($"Flow {flow.Id} is a {flow.Type.ToString().ToUpperInvariant()} flow, which flow format {WrittenVersion} (mitmproxy 8.1) does not have.", nameof(flow));
        }
    }

    /// <summary>The fields every flow type has, as mitmproxy 8.1 writes them.</summary>
    private static Dictionary<string, object?> CommonState(Flow flow, string type) => new(StringComparer.Ordinal)
    {
        ["version"] = (long)WrittenVersion,
        ["type"] = type,
        ["id"] = flow.Id.ToString(),
        ["error"] = flow.Error is { } error ? new Dictionary<string, object?> { ["msg"] = error.Message, ["timestamp"] = Unix(error.Timestamp) } : null,
        ["client_conn"] = ClientState(flow.Client),
        ["server_conn"] = ServerState(flow.Server),
        ["intercepted"] = false,
        ["is_replay"] = flow.IsReplay switch { ReplayKind.Request => "request", ReplayKind.Response => "response", _ => null },
        ["marked"] = flow.Marked,
        ["metadata"] = flow.Metadata.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal),
        ["comment"] = flow.Comment,
        ["timestamp_created"] = Unix(flow.TimestampCreated),
    };

    private static Dictionary<string, object?> DnsState(DnsMessage message)
    {
        static Dictionary<string, object?> Record(DnsResourceRecord r) => new(StringComparer.Ordinal)
        {
            ["name"] = r.Name,
            ["type"] = (long)r.Type,
            ["class_"] = (long)r.Class,
            ["ttl"] = r.Ttl,
            ["data"] = r.Data,
        };

        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["timestamp"] = message.Timestamp is { } time ? Unix(time) : 0.0,
            ["id"] = (long)message.Id,
            ["query"] = message.Query,
            ["op_code"] = (long)message.OpCode,
            ["authoritative_answer"] = message.AuthoritativeAnswer,
            ["truncation"] = message.Truncation,
            ["recursion_desired"] = message.RecursionDesired,
            ["recursion_available"] = message.RecursionAvailable,
            ["reserved"] = (long)message.Reserved,
            ["response_code"] = (long)message.ResponseCode,
            ["questions"] = message.Questions.Select(q => (object?)new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = q.Name, ["type"] = (long)q.Type, ["class_"] = (long)q.Class }).ToList(),
            ["answers"] = message.Answers.Select(r => (object?)Record(r)).ToList(),
            ["authorities"] = message.Authorities.Select(r => (object?)Record(r)).ToList(),
            ["additionals"] = message.Additionals.Select(r => (object?)Record(r)).ToList(),
        };
    }

    private static Dictionary<string, object?> ToState(HttpFlow flow)
    {
        var state = CommonState(flow, "http");
        state["request"] = MessageState(flow.Request, new Dictionary<string, object?>
        {
            ["host"] = flow.Request.Host,
            ["port"] = (long)flow.Request.Port,
            ["method"] = Encoding.Latin1.GetBytes(flow.Request.Method),
            ["scheme"] = Encoding.Latin1.GetBytes(flow.Request.Scheme),
            ["authority"] = Encoding.Latin1.GetBytes(flow.Request.Authority),
            ["path"] = Encoding.Latin1.GetBytes(flow.Request.Path),
        });
        state["response"] = flow.Response is { } response
            ? MessageState(response, new Dictionary<string, object?> { ["status_code"] = (long)response.StatusCode, ["reason"] = Encoding.Latin1.GetBytes(response.Reason) })
            : null;
        state["websocket"] = flow.WebSocket is { } websocket ? new Dictionary<string, object?>
        {
            ["messages"] = websocket.Messages.Select(m => (object?)new List<object?> { (long)m.Type, m.FromClient, m.Content, Unix(m.Timestamp), m.Dropped, m.Injected }).ToList(),
            ["closed_by_client"] = websocket.ClosedByClient,
            ["close_code"] = (long?)websocket.CloseCode,
            ["close_reason"] = websocket.CloseReason,
            ["timestamp_end"] = websocket.TimestampEnd is { } end ? Unix(end) : null,
        } : null;
        return state;
    }

    private static Dictionary<string, object?> MessageState(HttpMessage message, Dictionary<string, object?> state)
    {
        state["http_version"] = Encoding.Latin1.GetBytes(message.HttpVersion);
        state["headers"] = HeaderState(message.Headers);
        state["content"] = message.Content;
        state["trailers"] = message.Trailers is { } trailers ? HeaderState(trailers) : null;
        state["timestamp_start"] = Unix(message.TimestampStart);
        state["timestamp_end"] = message.TimestampEnd is { } end ? Unix(end) : null;
        return state;
    }

    private static List<object?> HeaderState(HttpHeaders headers) =>
        [.. headers.Select(h => (object?)new List<object?> { Encoding.Latin1.GetBytes(h.Name), Encoding.Latin1.GetBytes(h.Value) })];

    // mitmproxy 8.1's connection states, every key it expects present.
    private static Dictionary<string, object?> ConnectionState(Connection connection, string peerKey) => new(StringComparer.Ordinal)
    {
        ["id"] = connection.Id.ToString(),
        [peerKey] = Pair(connection.PeerName),
        ["error"] = connection.Error,
        ["tls"] = connection.TlsEstablished || connection.Sni is not null,
        ["tls_established"] = connection.TlsEstablished,
        ["tls_version"] = connection.TlsVersion,
        ["sni"] = connection.Sni,
        ["alpn"] = connection.Alpn is { } alpn ? Encoding.Latin1.GetBytes(alpn) : null,
        ["alpn_offers"] = connection.AlpnOffers.Select(o => (object?)Encoding.Latin1.GetBytes(o)).ToList(),
        ["cipher_name"] = connection.Cipher,
        ["cipher_list"] = connection.CipherList.Select(c => (object?)c).ToList(),
        ["certificate_list"] = connection.CertificateChain.Select(c => (object?)ToPem(c)).ToList(),
        ["state"] = 0L,
        ["timestamp_start"] = connection.TimestampStart is { } start ? Unix(start) : null,
        ["timestamp_tls_setup"] = connection.TimestampTlsSetup is { } tls ? Unix(tls) : null,
        ["timestamp_end"] = connection.TimestampEnd is { } end ? Unix(end) : null,
    };

    private static Dictionary<string, object?> ClientState(ClientConnection client)
    {
        var state = ConnectionState(client, "address");
        state["sockname"] = Pair(client.SockName);
        state["tls_extensions"] = new List<object?>();
        state["mitmcert"] = client.MitmCertificate is { } cert ? ToPem(cert) : null;
        return state;
    }

    private static Dictionary<string, object?> ServerState(ServerConnection server)
    {
        var state = ConnectionState(server, "ip_address");
        state["address"] = Pair(server.Address);
        state["source_address"] = Pair(server.SockName);
        state["timestamp_tcp_setup"] = server.TimestampTcpSetup is { } tcp ? Unix(tcp) : null;
        state["via"] = null;
        state["via2"] = null;
        return state;
    }

    private static List<object?>? Pair(HostPort? address) => address is { } a ? [a.Host, (long)a.Port] : null;

    private static HostPort? HostPort(Dictionary<string, object?> state, string key) =>
        state.TryGetValue(key, out var value) && value is List<object?> { Count: >= 2 } pair
            ? new HostPort(pair[0] as string ?? (pair[0] is byte[] b ? Encoding.UTF8.GetString(b) : ""), (int)(long)pair[1]!)
            : null;

    private static HttpHeaders? Headers(Dictionary<string, object?> state, string key) =>
        state.TryGetValue(key, out var value) && value is List<object?> list
            ? new HttpHeaders(list.Select(item => (List<object?>)item!).Select(field => new HeaderField(Latin1Of(field[0]), Latin1Of(field[1]))))
            : null;

    private static string Latin1Of(object? value) => value switch
    {
        byte[] bytes => Encoding.Latin1.GetString(bytes),
        string text => text,
        _ => "",
    };

    private static string? Latin1(Dictionary<string, object?> state, string key) =>
        state.TryGetValue(key, out var value) && value is not null ? Latin1Of(value) : null;

    private static string? Text(Dictionary<string, object?> state, string key) => state.TryGetValue(key, out var value) ? value switch
    {
        string text => text,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => null,
    } : null;

    private static long? Number(Dictionary<string, object?> state, string key) => state.TryGetValue(key, out var value) && value is long number ? number : null;

    private static IList<string> Strings(Dictionary<string, object?> state, string key) =>
        state.TryGetValue(key, out var value) && value is List<object?> list ? [.. list.Select(Latin1Of)] : [];

    private static DateTimeOffset? Time(Dictionary<string, object?> state, string key) =>
        state.TryGetValue(key, out var value) && value is double or long ? FromUnix(ToDouble(value)) : null;

    private static double ToDouble(object? value) => value switch { double d => d, long l => l, _ => 0 };

    private static DateTimeOffset FromUnix(double seconds) => DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));

    private static double Unix(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;

    private static string Describe(object value) => value switch
    {
        List<object?> list => "[" + string.Join(", ", list.Select(i => i is null ? "null" : Describe(i))) + "]",
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string ToPem(byte[] der)
    {
        var base64 = Convert.ToBase64String(der);
        var text = new StringBuilder("-----BEGIN CERTIFICATE-----\n");
        for (var i = 0; i < base64.Length; i += 64)
        {
            text.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
        }

        return text.Append("-----END CERTIFICATE-----\n").ToString();
    }

    private static byte[] FromPem(string pem)
    {
        var body = pem.Replace("-----BEGIN CERTIFICATE-----", "", StringComparison.Ordinal).Replace("-----END CERTIFICATE-----", "", StringComparison.Ordinal);
        try
        {
            return Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c))));
        }
        catch (FormatException)
        {
            return Encoding.UTF8.GetBytes(pem);
        }
    }
}
