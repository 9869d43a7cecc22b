using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Session.Tests.Storage;

/// <summary>Flows for the storage tests.</summary>
internal static class SampleFlows
{
    private static readonly DateTimeOffset Start = new(2024, 11, 26, 8, 29, 0, TimeSpan.FromHours(1));

    /// <summary>
    /// A flow with every property of the model set to a value other than its default, including the awkward ones:
    /// header bytes that are not UTF-8, duplicate headers differing in case, a header an addon set to text beyond
    /// Latin-1, trailers, WebSocket messages both ways, TLS details, an error, metadata, a marker, a comment and a replay.
    /// </summary>
    public static HttpFlow Full()
    {
        // Sub-microsecond ticks prove that timestamps keep DateTimeOffset's full precision.
        var t = Start.AddTicks(1_234_567);
        return new HttpFlow
        {
            Id = Guid.NewGuid(),
            TimestampCreated = t,
            Marked = ":star:",
            Comment = "checked by hand — ünïcödé 💡",
            Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["source"] = "test", ["ключ"] = "значение", ["empty"] = "" },
            IsReplay = ReplayKind.Response,
            Live = true,
            Error = new FlowError("Connection reset by peer", t.AddSeconds(3)),
            Client = new ClientConnection
            {
                Id = Guid.NewGuid(),
                PeerName = new HostPort("::1", 50123),
                SockName = new HostPort("127.0.0.1", 8080),
                TransportProtocol = "udp",
                Error = "client went away",
                TlsEstablished = true,
                TlsVersion = "TLSv1.3",
                Sni = "example.com",
                Alpn = "h2",
                AlpnOffers = ["h2", "http/1.1"],
                Cipher = "TLS_AES_128_GCM_SHA256",
                CipherList = ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"],
                CertificateChain = [[0x30, 0x82, 0x01, 0x0A, 0xFF], [0x30, 0x82, 0x00]],
                TimestampStart = t.AddTicks(-1),
                TimestampTlsSetup = t.AddTicks(7),
                TimestampEnd = t.AddSeconds(4),
                MitmCertificate = [0x30, 0x82, 0x02, 0x00, 0x01],
                ProxyMode = "reverse:https://example.com",
            },
            Server = new ServerConnection
            {
                Id = Guid.NewGuid(),
                PeerName = new HostPort("93.184.216.34", 8443),
                SockName = new HostPort("10.0.0.2", 40000),
                TransportProtocol = "udp",
                Error = "server closed the connection",
                TlsEstablished = true,
                TlsVersion = "TLSv1.2",
                Sni = "origin.example.com",
                Alpn = "http/1.1",
                AlpnOffers = ["http/1.1"],
                Cipher = "ECDHE-RSA-AES128-GCM-SHA256",
                CipherList = ["ECDHE-RSA-AES128-GCM-SHA256"],
                CertificateChain = [[0x30, 0x01], [0x30, 0x02], [0x30, 0x03]],
                TimestampStart = t.AddMilliseconds(1),
                TimestampTlsSetup = t.AddMilliseconds(9),
                TimestampEnd = t.AddSeconds(5),
                Address = new HostPort("example.com", 8443),
                TimestampTcpSetup = t.AddMilliseconds(3),
                Via = "http://upstream.example.net:3128",
            },
            Request = new HttpRequest
            {
                Method = "PURGE",
                Scheme = "https",
                Authority = "example.com:8443",
                Host = "example.com",
                Port = 8443,
                Path = "/path/ÿ?q=1&r=%FF",
                HttpVersion = "HTTP/2.0",
                Headers = new HttpHeaders(
                    ("Host", "example.com"),
                    ("X-Dup", "first"),
                    ("x-dup", "second"),
                    ("X-DUP", "third"),
                    // Raw bytes 0xFF 0xFE 0x80 as on the wire: not UTF-8.
                    ("X-Raw", "\u00FF\u00FE\u0080 raw"),
                    ("X-Empty", ""),
                    // Text beyond Latin-1 that an addon might set; no wire header can carry it.
                    ("X-Wide", "€ and 😀")),
                Content = [.. Enumerable.Range(0, 256).Select(i => (byte)i)],
                Stream = true,
                Trailers = new HttpHeaders(("X-Checksum", "abc"), ("x-checksum", "def")),
                TimestampStart = t.AddMilliseconds(2),
                TimestampEnd = t.AddMilliseconds(4),
            },
            Response = new HttpResponse
            {
                StatusCode = 418,
                Reason = "I'm a teapot \u00E9",
                HttpVersion = "HTTP/1.0",
                Headers = new HttpHeaders(("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2")),
                Content = Encoding.UTF8.GetBytes("short and stout"),
                Stream = true,
                Trailers = new HttpHeaders(("Server-Timing", "db;dur=53")),
                TimestampStart = t.AddMilliseconds(20),
                TimestampEnd = t.AddMilliseconds(22),
            },
            WebSocket = new WebSocketData
            {
                Messages =
                [
                    new WebSocketMessage { Type = WebSocketMessageType.Text, FromClient = true, Content = Encoding.UTF8.GetBytes("hello"), Timestamp = t.AddSeconds(1) },
                    new WebSocketMessage { Type = WebSocketMessageType.Binary, FromClient = false, Content = [0x00, 0xFF], Timestamp = t.AddSeconds(2), Dropped = true },
                    new WebSocketMessage { Type = WebSocketMessageType.Text, FromClient = false, Content = Encoding.UTF8.GetBytes("injected"), Timestamp = t.AddSeconds(2.5), Injected = true },
                ],
                ClosedByClient = false,
                CloseCode = 1001,
                CloseReason = "going away",
                TimestampEnd = t.AddSeconds(3),
            },
        };
    }

    /// <summary>A plain GET with a response of <paramref name="responseBytes"/> bytes.</summary>
    public static HttpFlow Simple(int index, int responseBytes = 100, string method = "GET", string host = "example.com")
    {
        var t = Start.AddSeconds(index);
        var body = new byte[responseBytes];
        new Random(index).NextBytes(body);
        return new HttpFlow
        {
            TimestampCreated = t,
            Request = new HttpRequest { Method = method, Host = host, Path = $"/item/{index}", Headers = new HttpHeaders(("Host", host)), Content = [], TimestampStart = t },
            Response = new HttpResponse { StatusCode = 200 + (index % 3), Headers = new HttpHeaders(("Content-Length", responseBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))), Content = body, TimestampStart = t.AddMilliseconds(5) },
        };
    }
}
