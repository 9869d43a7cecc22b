using System.IO.Compression;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Host.Tests.Filters;

/// <summary>Builds the flows of <see cref="FlowKind"/>.</summary>
internal static class TestFlows
{
    public static Flow Make(FlowKind kind) => kind switch
    {
        FlowKind.RequestOnly => RequestOnly(),
        FlowKind.WithResponse => WithResponse(),
        FlowKind.WithError => WithError(),
        FlowKind.Marked => Marked(),
        FlowKind.WebSocket => WebSocket(),
        FlowKind.ReplayedRequest => Replayed(ReplayKind.Request),
        FlowKind.ReplayedResponse => Replayed(ReplayKind.Response),
        FlowKind.Gzip => Encoded("gzip", Gzip("compressed gzip secret")),
        FlowKind.Brotli => Encoded("br", Brotli("compressed brotli secret")),
        FlowKind.Deflate => Encoded("deflate", Zlib("compressed deflate secret")),
        FlowKind.RawDeflate => Encoded("deflate", RawDeflate("compressed raw deflate secret")),
        FlowKind.Zstd => Encoded("zstd", Encoding.ASCII.GetBytes("zstd stays raw")),
        FlowKind.BrokenGzip => Encoded("gzip", Encoding.ASCII.GetBytes("plain text, not gzip")),
        FlowKind.GzipThenBrotli => Encoded("gzip, br", Brotli(Gzip("twice compressed secret"))),
        FlowKind.Latin1 => Latin1(),
        FlowKind.ReverseProxied => ReverseProxied(),
        FlowKind.Ipv6 => Ipv6(),
        FlowKind.Connect => Connect(),
        FlowKind.Http2 => Http2(),
        FlowKind.Http2Reverse => Http2Reverse(),
        FlowKind.Tcp => Tcp(),
        FlowKind.Udp => Udp(),
        FlowKind.Dns => Dns(withResponse: true),
        FlowKind.DnsRequestOnly => Dns(withResponse: false),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary><c>GET http://example.com/api/users?id=7</c>, no response yet.</summary>
    public static HttpFlow RequestOnly()
    {
        var flow = new HttpFlow();
        flow.Request.Method = "GET";
        flow.Request.Scheme = "http";
        flow.Request.Host = "example.com";
        flow.Request.Port = 80;
        flow.Request.Path = "/api/users?id=7";
        flow.Request.Headers = new HttpHeaders(("Host", "example.com"), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*"));
        flow.Request.Content = [];
        flow.Client.PeerName = new HostPort("192.168.1.10", 50123);
        flow.Server.Address = new HostPort("example.com", 80);
        return flow;
    }

    /// <summary><c>POST https://api.example.com:8443/login</c> with a JSON body, answered 404 with an HTML body.</summary>
    public static HttpFlow WithResponse()
    {
        var flow = new HttpFlow();
        flow.Request.Method = "POST";
        flow.Request.Scheme = "https";
        flow.Request.Host = "api.example.com";
        flow.Request.Port = 8443;
        flow.Request.Path = "/login";
        flow.Request.Headers = new HttpHeaders(("Host", "api.example.com:8443"), ("Content-Type", "application/json"));
        flow.Request.SetText("{\"user\":\"alice\",\"password\":\"hunter2\",\"note\":\"it's me, C:\\\\temp\"}");
        flow.Response = HttpResponse.Create(404, "<h1>Not Found</h1>\nline two", ("Content-Type", "text/html; charset=utf-8"), ("Server", "nginx"));
        flow.Client.PeerName = new HostPort("192.168.1.10", 50124);
        flow.Server.Address = new HostPort("api.example.com", 8443);
        return flow;
    }

    public static HttpFlow WithError()
    {
        var flow = RequestOnly();
        flow.Error = new FlowError("Connection refused", DateTimeOffset.UtcNow);
        return flow;
    }

    public static HttpFlow Marked()
    {
        var flow = WithResponse();
        flow.Marked = ":star:";
        flow.Comment = "reviewed\nneeds follow-up";
        flow.Metadata["source"] = "import";
        flow.Metadata["owner"] = "alice";
        return flow;
    }

    /// <summary>An upgraded request with a text message from the client and a binary one from the server.</summary>
    public static HttpFlow WebSocket()
    {
        var flow = RequestOnly();
        flow.Request.Path = "/chat";
        flow.Request.Headers.Add("Upgrade", "websocket");
        flow.Response = HttpResponse.Create(101, [], ("Upgrade", "websocket"));
        flow.WebSocket = new WebSocketData
        {
            Messages =
            [
                new WebSocketMessage { FromClient = true, Type = WebSocketMessageType.Text, Content = Encoding.UTF8.GetBytes("hello server") },
                new WebSocketMessage { FromClient = false, Type = WebSocketMessageType.Binary, Content = [0x00, 0xFF, (byte)'p', (byte)'o', (byte)'n', (byte)'g'] },
            ],
        };
        return flow;
    }

    public static HttpFlow Replayed(ReplayKind kind)
    {
        var flow = WithResponse();
        flow.IsReplay = kind;
        return flow;
    }

    /// <summary>A JSON response whose body is <paramref name="body"/> under the Content-Encoding <paramref name="encoding"/>.</summary>
    public static HttpFlow Encoded(string encoding, byte[] body)
    {
        var flow = RequestOnly();
        flow.Response = HttpResponse.Create(200, body, ("Content-Type", "application/json"), ("Content-Encoding", encoding));
        return flow;
    }

    /// <summary>
    /// Bytes that are not UTF-8: a request header holding the Latin-1 byte 0xE9, a response header holding the UTF-8
    /// bytes of "café", a UTF-8 request body and a response body of 0xFF 0xFE "caf" 0xE9.
    /// </summary>
    public static HttpFlow Latin1()
    {
        var flow = RequestOnly();
        flow.Request.Method = "PUT";
        flow.Request.Headers.Add("X-Name", "caf\u00e9");
        flow.Request.Content = Encoding.UTF8.GetBytes("naïve café");
        flow.Response = HttpResponse.Create(200, [0xFF, 0xFE, (byte)'c', (byte)'a', (byte)'f', 0xE9], ("X-Utf8", Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("café"))));
        return flow;
    }

    /// <summary>A request sent to 10.0.0.5 whose Host header names shop.example:8080.</summary>
    public static HttpFlow ReverseProxied()
    {
        var flow = RequestOnly();
        flow.Request.Host = "10.0.0.5";
        flow.Request.Port = 9000;
        flow.Request.Path = "/cart";
        flow.Request.Headers.Set("Host", "shop.example:8080");
        return flow;
    }

    /// <summary>A request to [::1]:8080 without a Host header, from [::1]:5000.</summary>
    public static HttpFlow Ipv6()
    {
        var flow = RequestOnly();
        flow.Request.Host = "::1";
        flow.Request.Port = 8080;
        flow.Request.Path = "/local";
        flow.Request.Headers.Remove("Host");
        flow.Client.PeerName = new HostPort("::1", 5000);
        flow.Server.Address = new HostPort("::1", 8080);
        return flow;
    }

    public static HttpFlow Connect()
    {
        var flow = RequestOnly();
        flow.Request.Method = "CONNECT";
        flow.Request.Authority = "secure.example:443";
        flow.Request.Host = "secure.example";
        flow.Request.Port = 443;
        flow.Request.Path = "";
        flow.Request.Headers.Set("Host", "secure.example:443");
        return flow;
    }

    /// <summary>
    /// <c>POST https://example.com/api/items?page=2</c> as the proxy's HTTP/2 layer records it: <c>:authority</c> in
    /// <see cref="HttpRequest.Authority"/>, no Host field, lowercase names; answered by an HTTP/2 server, so no reason
    /// phrase, with trailers.
    /// </summary>
    public static HttpFlow Http2()
    {
        var flow = new HttpFlow();
        flow.Request.Method = "POST";
        flow.Request.Scheme = "https";
        flow.Request.Authority = "example.com";
        flow.Request.Host = "example.com";
        flow.Request.Port = 443;
        flow.Request.Path = "/api/items?page=2";
        flow.Request.HttpVersion = "HTTP/2.0";
        flow.Request.Headers = new HttpHeaders(("user-agent", "h2load"), ("content-type", "application/grpc+json"), ("x-a", "1"), ("x-a", "2"));
        flow.Request.SetText("{\"want\":\"items\"}");
        flow.Response = HttpResponse.Create(200, "pong from h2", ("content-type", "text/plain; charset=utf-8"), ("server", "kestrel"));
        flow.Response.HttpVersion = "HTTP/2.0";
        flow.Response.Reason = "";
        flow.Response.Trailers = new HttpHeaders(("grpc-status", "0"));
        flow.Client.PeerName = new HostPort("192.168.1.10", 50125);
        flow.Client.Alpn = "h2";
        flow.Server.Address = new HostPort("example.com", 443);
        return flow;
    }

    /// <summary>An HTTP/2 request a reverse proxy sent on to 10.0.0.5:9000, whose <c>:authority</c> named shop.example:8443.</summary>
    public static HttpFlow Http2Reverse()
    {
        var flow = Http2();
        flow.Request.Authority = "shop.example:8443";
        flow.Request.Host = "10.0.0.5";
        flow.Request.Port = 9000;
        flow.Request.Path = "/cart";
        flow.Server.Address = new HostPort("10.0.0.5", 9000);
        return flow;
    }

    /// <summary>A TCP flow to db.internal:5432: the client says "hello", the server "it's me".</summary>
    public static TcpFlow Tcp()
    {
        var flow = new TcpFlow { Messages = Conversation() };
        flow.Client.PeerName = new HostPort("10.0.0.1", 4000);
        flow.Server.Address = new HostPort("db.internal", 5432);
        return flow;
    }

    /// <summary>A UDP flow with the same two messages.</summary>
    public static UdpFlow Udp()
    {
        var flow = new UdpFlow { Messages = Conversation() };
        flow.Client.PeerName = new HostPort("10.0.0.1", 4001);
        flow.Server.Address = new HostPort("10.0.0.53", 53);
        return flow;
    }

    /// <summary>A DNS query for dns.google, answered with 8.8.8.8 or not yet.</summary>
    public static DnsFlow Dns(bool withResponse) => new()
    {
        Request = new DnsMessage { Questions = [new DnsQuestion("dns.google")] },
        Response = withResponse ? new DnsMessage { Query = false, Answers = [new DnsResourceRecord("dns.google", 1, 1, 60, [8, 8, 8, 8])] } : null,
    };

    private static List<StreamMessage> Conversation() =>
    [
        new() { FromClient = true, Content = "hello"u8.ToArray() },
        new() { FromClient = false, Content = "it's me"u8.ToArray() },
    ];

    public static byte[] Gzip(string text) => Gzip(Encoding.UTF8.GetBytes(text));

    private static byte[] Gzip(byte[] data) => Compress(data, s => new GZipStream(s, CompressionLevel.Optimal));

    private static byte[] Brotli(string text) => Brotli(Encoding.UTF8.GetBytes(text));

    private static byte[] Brotli(byte[] data) => Compress(data, s => new BrotliStream(s, CompressionLevel.Optimal));

    private static byte[] Zlib(string text) => Compress(Encoding.UTF8.GetBytes(text), s => new ZLibStream(s, CompressionLevel.Optimal));

    private static byte[] RawDeflate(string text) => Compress(Encoding.UTF8.GetBytes(text), s => new DeflateStream(s, CompressionLevel.Optimal));

    private static byte[] Compress(byte[] data, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output))
        {
            stream.Write(data);
        }

        return output.ToArray();
    }
}
