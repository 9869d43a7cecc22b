using System.Buffers;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;

namespace Addons.Session.Bench;

/// <summary>
/// Realistic ~2 KB HTTP flows (a browser-like GET with a 1 KB JSON answer), varied so that hosts, URLs, methods,
/// statuses and sizes spread over the indexed columns as real traffic does. Deterministic for a given seed.
/// </summary>
internal static class SyntheticFlows
{
    private static readonly string[] Hosts = ["api.example.com", "cdn.example.net", "www.example.org", "static.example.com", "telemetry.example.io", "login.example.com", "img.example.net", "ws.example.org"];
    private static readonly string[] Methods = ["GET", "GET", "GET", "GET", "POST", "PUT", "DELETE", "OPTIONS"];
    private static readonly int[] Statuses = [200, 200, 200, 200, 204, 301, 304, 404, 500];

    public static HttpFlow Create(Random random, DateTimeOffset start, int index)
    {
        var host = Hosts[random.Next(Hosts.Length)];
        var requestStart = start.AddMilliseconds(index);
        var body = new byte[900 + random.Next(250)];
        random.NextBytes(body);
        var status = Statuses[random.Next(Statuses.Length)];
        return new HttpFlow
        {
            TimestampCreated = requestStart,
            Client = new ClientConnection { PeerName = new HostPort("127.0.0.1", 40000 + (index % 20000)), SockName = new HostPort("127.0.0.1", 8080), TimestampStart = requestStart },
            Server = new ServerConnection
            {
                Address = new HostPort(host, 443),
                PeerName = new HostPort("93.184.216.34", 443),
                TlsEstablished = true,
                TlsVersion = "TLSv1.2",
                Sni = host,
                Alpn = "http/1.1",
                Cipher = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                TimestampStart = requestStart,
                TimestampTcpSetup = requestStart.AddMilliseconds(3),
                TimestampTlsSetup = requestStart.AddMilliseconds(9),
            },
            Request = new HttpRequest
            {
                Method = Methods[random.Next(Methods.Length)],
                Scheme = "https",
                Host = host,
                Port = 443,
                Path = $"/v1/items/{random.Next(1_000_000)}?page={random.Next(50)}&sort=name&session={random.NextInt64():x16}",
                Headers = new HttpHeaders(
                    ("Host", host),
                    ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
                    ("Accept", "application/json, text/plain, */*"),
                    ("Accept-Language", "en-US,en;q=0.5"),
                    ("Accept-Encoding", "gzip, deflate, br"),
                    ("Referer", $"https://{host}/app/dashboard"),
                    ("Cookie", $"session={random.NextInt64():x16}{random.NextInt64():x16}; theme=dark; consent=1"),
                    ("Connection", "keep-alive")),
                Content = [],
                TimestampStart = requestStart,
                TimestampEnd = requestStart.AddMilliseconds(1),
            },
            Response = new HttpResponse
            {
                StatusCode = status,
                Reason = ReasonPhrases.For(status),
                Headers = new HttpHeaders(
                    ("Date", "Tue, 26 Nov 2024 08:29:00 GMT"),
                    ("Content-Type", "application/json; charset=utf-8"),
                    ("Content-Length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    ("Cache-Control", "private, max-age=0, no-cache"),
                    ("Server", "nginx/1.22.1"),
                    ("X-Request-Id", $"{random.NextInt64():x16}"),
                    ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")),
                Content = body,
                TimestampStart = requestStart.AddMilliseconds(20),
                TimestampEnd = requestStart.AddMilliseconds(22),
            },
        };
    }

    /// <summary><paramref name="count"/> flows, varied.</summary>
    public static HttpFlow[] CreateMany(int count, int seed = 42)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2024, 11, 26, 8, 0, 0, TimeSpan.Zero);
        var flows = new HttpFlow[count];
        for (var i = 0; i < count; i++)
        {
            flows[i] = Create(random, start, i);
        }

        return flows;
    }

    /// <summary>The flows' records as the codec writes them (every body inline).</summary>
    public static byte[][] Encode(IReadOnlyList<Flow> flows)
    {
        var codec = new FlowCodec();
        var buffer = new ArrayBufferWriter<byte>(4096);
        var records = new byte[flows.Count][];
        for (var i = 0; i < records.Length; i++)
        {
            buffer.ResetWrittenCount();
            codec.Encode(flows[i], buffer);
            records[i] = buffer.WrittenSpan.ToArray();
        }

        return records;
    }
}
