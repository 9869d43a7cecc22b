using System.Text;
using Addons.Abstractions.Flows;
using Addons.Host.Interop;

namespace Addons.Host.Tests.Interop;

public sealed class MitmproxyFlowFileTests
{
    [TestCase("5:hello,", "hello")]
    [TestCase("3:abc;", "abc")]
    [TestCase("2:42#", 42L)]
    [TestCase("3:-17#", -17L)]
    [TestCase("4:true!", true)]
    [TestCase("5:false!", false)]
    [TestCase("0:~", null)]
    [TestCase("3:1.5^", 1.5)]
    public void Tnetstring_scalars_read_as_their_types(string text, object? expected)
    {
        var offset = 0;
        var value = Tnetstring.Read(Encoding.ASCII.GetBytes(text), ref offset);

        Assert.That(value is byte[] bytes ? Encoding.ASCII.GetString(bytes) : value, Is.EqualTo(expected));
        Assert.That(offset, Is.EqualTo(text.Length));
    }

    [Test]
    public void A_flow_mitmproxy_10_wrote_in_format_18_is_read_by_its_field_names()
    {
        // Fixtures/mitmproxy/README.md: the first flow of mitmproxy's own error_log.mitm test file.
        var flow = MitmproxyFlowFile.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "mitmproxy", "error-log-v18.mitm")).Single();

        Assert.Multiple(() =>
        {
            Assert.That(flow.Id, Is.EqualTo(Guid.Parse("a68db102-de4c-477d-9412-bf2a1b9a4859")));
            Assert.That(flow.Request.Method, Is.EqualTo("GET"));
            Assert.That(flow.Request.Url, Is.EqualTo("http://163.com/"));
            Assert.That(flow.Request.HttpVersion, Is.EqualTo("HTTP/1.1"));
            Assert.That(flow.Request.Headers.Select(h => h.Name), Is.EqualTo(new[] { "Host", "User-Agent", "Accept", "Accept-Encoding", "Connection", "Proxy-Connection" }));
            Assert.That(flow.Request.Headers["User-Agent"], Is.EqualTo("Wget/1.21.4"));
            Assert.That(flow.Request.TimestampStart, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1690282995216)).Within(TimeSpan.FromMilliseconds(1)));
            Assert.That(flow.Response, Is.Null);
            Assert.That(flow.Error!.Message, Does.StartWith("Multiple exceptions: [Errno 60] Connect call failed ('123.58.180.8', 80)"));
            Assert.That(flow.Error.Timestamp, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1690283145289)).Within(TimeSpan.FromMilliseconds(1)));
            Assert.That(flow.Client.PeerName, Is.EqualTo(new HostPort("127.0.0.1", 51741)));
            Assert.That(flow.Client.SockName, Is.EqualTo(new HostPort("127.0.0.1", 8080)));
            Assert.That(flow.Client.ProxyMode, Is.EqualTo("regular"));
            Assert.That(flow.Client.Id, Is.EqualTo(Guid.Parse("9cf45015-5dbb-4ab4-9dc3-e59d04625413")));
            Assert.That(flow.Client.TlsEstablished, Is.False);
            Assert.That(flow.Server.Address, Is.Null, "the server was never reached");
            Assert.That(flow.Server.Id, Is.EqualTo(Guid.Parse("e2a0c5dd-5877-447c-886b-265658665ca0")));
            Assert.That(flow.Marked, Is.Empty);
            Assert.That(flow.Comment, Is.Empty);
        });

        // And written back as format 17, it reads the same.
        using var copy = new MemoryStream();
        MitmproxyFlowFile.Write(copy, [flow]);
        var back = MitmproxyFlowFile.Read(copy.ToArray(), "copy").Single();
        Assert.That((back.Id, back.Request.Url, back.Error!.Message, back.Client.PeerName), Is.EqualTo((flow.Id, flow.Request.Url, flow.Error!.Message, flow.Client.PeerName)));
    }

    [Test]
    public void Tnetstring_containers_round_trip()
    {
        var value = new Dictionary<string, object?> { ["a"] = new List<object?> { 1L, "x", null, new byte[] { 0, 255 } }, ["b"] = true, ["c"] = 1795701808.725535 };
        using var stream = new MemoryStream();
        Tnetstring.Write(stream, value);
        var offset = 0;

        var read = (Dictionary<string, object?>)Tnetstring.Read(stream.ToArray(), ref offset)!;

        Assert.That(read["b"], Is.EqualTo(true));
        Assert.That(read["c"], Is.EqualTo(1795701808.725535), "floats as Python's repr writes them, shortest round trip");
        Assert.That((List<object?>)read["a"]!, Is.EqualTo(new object?[] { 1L, "x", null, new byte[] { 0, 255 } }));
    }

    [Test]
    public void Flows_written_read_back_with_every_field_mitmproxy_keeps()
    {
        var flow = Sample();
        using var stream = new MemoryStream();
        MitmproxyFlowFile.Write(stream, [flow, Sample()]);

        var read = MitmproxyFlowFile.Read(stream.ToArray(), "ours.mitm").ToList();

        Assert.That(read, Has.Count.EqualTo(2));
        var back = read[0];
        Assert.Multiple(() =>
        {
            Assert.That(back.Id, Is.EqualTo(flow.Id));
            Assert.That(back.Request.Url, Is.EqualTo(flow.Request.Url));
            Assert.That(back.Request.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(flow.Request.Headers.Select(h => (h.Name, h.Value))));
            Assert.That(back.Request.Content, Is.EqualTo(flow.Request.Content));
            Assert.That(back.Response!.StatusCode, Is.EqualTo(201));
            Assert.That(back.Response.Reason, Is.EqualTo("Created"));
            Assert.That(back.Response.Content, Is.EqualTo(flow.Response!.Content));
            Assert.That(back.Response.Trailers!.Single(), Is.EqualTo(new HeaderField("X-Trailer", "done")));
            Assert.That(back.Marked, Is.EqualTo(":star:"));
            Assert.That(back.Comment, Is.EqualTo("a comment"));
            Assert.That(back.Metadata["k"], Is.EqualTo("v"));
            Assert.That(back.IsReplay, Is.EqualTo(ReplayKind.Request));
            Assert.That(back.Error!.Message, Is.EqualTo("Connection killed."));
            Assert.That(back.Client.PeerName, Is.EqualTo(new HostPort("127.0.0.1", 50000)));
            Assert.That(back.Server.Address, Is.EqualTo(new HostPort("example.com", 443)));
            Assert.That(back.Server.CertificateChain.Single(), Is.EqualTo(new byte[] { 0x30, 0x82, 1, 2, 3 }));
            Assert.That(back.Request.TimestampStart, Is.EqualTo(flow.Request.TimestampStart).Within(TimeSpan.FromTicks(10)));
            Assert.That(back.TimestampCreated, Is.EqualTo(flow.TimestampCreated).Within(TimeSpan.FromTicks(10)));
            Assert.That(back.WebSocket!.Messages.Select(m => m.Content), Is.EqualTo(new[] { "hi"u8.ToArray(), new byte[] { 1 } }));
        });
    }

    [Test]
    public void An_HTTP2_flow_reads_back_with_its_version_authority_fields_trailers_and_empty_reason()
    {
        var flow = Http2Sample();
        using var stream = new MemoryStream();
        MitmproxyFlowFile.Write(stream, [flow]);

        var back = MitmproxyFlowFile.Read(stream.ToArray(), "h2.mitm").Single();

        Assert.Multiple(() =>
        {
            Assert.That((back.Request.HttpVersion, back.Response!.HttpVersion), Is.EqualTo(("HTTP/2.0", "HTTP/2.0")));
            Assert.That(back.Request.IsHttp2 && back.Response.IsHttp2, Is.True);
            Assert.That(back.Request.Authority, Is.EqualTo("example.com:8443"));
            Assert.That((back.Request.Method, back.Request.Scheme, back.Request.Host, back.Request.Port, back.Request.Path), Is.EqualTo(("POST", "https", "example.com", 8443, "/api/items?page=2")));
            Assert.That(back.Request.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(flow.Request.Headers.Select(h => (h.Name, h.Value))), "lowercase, in order, duplicates kept, no pseudo-header");
            Assert.That(back.Request.Trailers!.Select(h => (h.Name, h.Value)), Is.EqualTo(new[] { ("x-request-checksum", "r1") }));
            Assert.That(back.Request.Content, Is.EqualTo(flow.Request.Content));
            Assert.That((back.Response.StatusCode, back.Response.Reason), Is.EqualTo((200, "")));
            Assert.That(back.Response.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(flow.Response!.Headers.Select(h => (h.Name, h.Value))));
            Assert.That(back.Response.Trailers!.Select(h => (h.Name, h.Value)), Is.EqualTo(new[] { ("grpc-status", "0"), ("grpc-message", "") }));
            Assert.That(back.Response.Content, Is.EqualTo(flow.Response.Content));
            Assert.That((back.Client.Alpn, back.Server.Alpn), Is.EqualTo(("h2", "h2")));
            Assert.That(back.Response.TimestampEnd, Is.EqualTo(flow.Response.TimestampEnd).Within(TimeSpan.FromTicks(10)));
        });
    }

    [Test]
    public void HTTP2_streams_mitmdump_8_1_1_captured_as_a_reverse_proxy_are_read_as_HTTP2_and_written_back_the_same()
    {
        // Fixtures/mitmproxy/README.md: four streams of one HTTP/2 connection, through mitmdump's reverse mode to Kestrel.
        var flows = MitmproxyFlowFile.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "mitmproxy", "h2-reverse-v17.mitm")).ToList();

        Assert.That(flows.Select(f => $"{f.Request.Method} {f.Request.Url} {f.Response?.StatusCode}"), Is.EqualTo(new[]
        {
            "GET https://localhost:40423/hello 200", "POST https://localhost:40423/echo 200", "GET https://localhost:40423/trailers 200", "GET https://localhost:40423/version 200",
        }));
        Assert.Multiple(() =>
        {
            foreach (var flow in flows)
            {
                Assert.That((flow.Request.HttpVersion, flow.Response!.HttpVersion), Is.EqualTo(("HTTP/2.0", "HTTP/2.0")));
                Assert.That(flow.Request.Authority, Is.EqualTo("localhost:40423"));
                Assert.That(flow.Response.Reason, Is.Empty);
                Assert.That(flow.Response.Headers.Select(h => h.Name), Does.Contain("server").And.Contain("date"));
                Assert.That((flow.Client.Alpn, flow.Server.Alpn, flow.Client.Sni, flow.Client.TlsVersion), Is.EqualTo(("h2", "h2", "localhost", "TLSv1.3")));
                Assert.That(flow.Client.AlpnOffers, Is.EqualTo(new[] { "h2" }));
                Assert.That((flow.Client.Id, flow.Server.Id), Is.EqualTo((flows[0].Client.Id, flows[0].Server.Id)), "the streams of one connection each way");
                Assert.That(flow.Server.Address, Is.EqualTo(new HostPort("localhost", 40423)));
                Assert.That(flow.Server.PeerName, Is.EqualTo(new HostPort("127.0.0.1", 40423)));
                Assert.That(flow.Request.TimestampEnd, Is.GreaterThanOrEqualTo(flow.Request.TimestampStart));
                Assert.That(flow.Response.TimestampStart, Is.GreaterThanOrEqualTo(flow.Request.TimestampEnd!.Value));
                Assert.That(flow.Response.TimestampEnd, Is.GreaterThanOrEqualTo(flow.Response.TimestampStart));
                Assert.That(flow.TimestampCreated, Is.EqualTo(flow.Request.TimestampStart).Within(TimeSpan.FromMilliseconds(5)));
            }

            Assert.That(flows[0].Request.Headers, Is.Empty, "HttpClient sent no field but the pseudo-headers");
            Assert.That(flows[0].Response!.Content, Is.EqualTo("hello"u8.ToArray()));
            Assert.That(flows[1].Request.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(new[] { ("content-type", "text/plain; charset=utf-8"), ("content-length", "4") }));
            Assert.That(flows[1].Request.Content, Is.EqualTo("ping"u8.ToArray()));
            Assert.That(flows[1].Response!.Content, Is.EqualTo("POST length=4 ping"u8.ToArray()));
            Assert.That(flows[2].Response!.Headers["trailer"], Is.EqualTo("x-checksum"));
            Assert.That(flows[2].Response!.Trailers!.Select(h => (h.Name, h.Value)), Is.EqualTo(new[] { ("x-checksum", "abc123") }));
            Assert.That(flows[3].Response!.Content, Is.EqualTo("HTTP/2"u8.ToArray()));
            Assert.That(flows.Select(f => f.Request.Trailers), Is.All.Null);
        });

        // Written as format 17 and read again, nothing HTTP/2 about them is lost.
        using var copy = new MemoryStream();
        MitmproxyFlowFile.Write(copy, flows);
        var back = MitmproxyFlowFile.Read(copy.ToArray(), "copy.mitm").ToList();
        Assert.That(back.Select(Describe), Is.EqualTo(flows.Select(Describe)));

        static string Describe(HttpFlow f) => string.Join(" | ", f.Id, f.Request.HttpVersion, f.Request.Authority, f.Request.Url, string.Join(",", f.Request.Headers),
            f.Response!.HttpVersion, f.Response.StatusCode, $"'{f.Response.Reason}'", string.Join(",", f.Response.Headers), string.Join(",", f.Response.Trailers ?? new HttpHeaders()),
            Convert.ToHexString(f.Response.Content!), f.Client.Alpn, f.Server.Alpn, f.Response.TimestampEnd!.Value.UtcTicks / 10);
    }

    [Test]
    public void A_truncated_file_yields_the_flows_before_the_damage_then_names_the_file_and_byte()
    {
        using var stream = new MemoryStream();
        MitmproxyFlowFile.Write(stream, [Sample(), Sample(), Sample()]);
        var bytes = stream.ToArray();
        var cut = bytes[..(bytes.Length - 50)];

        var read = new List<HttpFlow>();
        var error = Assert.Throws<FormatException>(() =>
        {
            foreach (var flow in MitmproxyFlowFile.Read(cut, "cut.mitm"))
            {
                read.Add(flow);
            }
        });

        Assert.That(read, Has.Count.EqualTo(2));
        Assert.That(error!.Message, Does.Match(@"^Flow file cut\.mitm is damaged after 2 flows: at byte \d+: a value of \d+ bytes runs past the end of the file \(cut short\?\)\.$"));
    }

    [Test]
    public void A_format_21_state_as_current_mitmproxy_writes_it_is_read_by_its_field_names()
    {
        // mitmproxy 11+ (format 21, shared/reference/mitmproxy.md): connections by peername and sockname, the cipher as
        // "cipher", no tls_established (derived from timestamp_tls_setup), the server's address as asked for.
        Dictionary<string, object?> Connection(string peer, int peerPort, string? sni, double? tlsSetup) => new()
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["peername"] = new List<object?> { peer, (long)peerPort },
            ["sockname"] = new List<object?> { "127.0.0.1", 8080L },
            ["transport_protocol"] = "tcp",
            ["error"] = null,
            ["tls"] = sni is not null,
            ["certificate_list"] = new List<object?>(),
            ["alpn"] = sni is null ? null : "h2"u8.ToArray(),
            ["alpn_offers"] = new List<object?>(),
            ["cipher"] = sni is null ? null : "TLS_AES_256_GCM_SHA384",
            ["cipher_list"] = new List<object?>(),
            ["tls_version"] = sni is null ? null : "TLSv1.3",
            ["sni"] = sni,
            ["timestamp_start"] = 1_750_000_000.0,
            ["timestamp_end"] = null,
            ["timestamp_tls_setup"] = tlsSetup,
        };
        var client = Connection("127.0.0.1", 50123, "example.com", 1_750_000_000.5);
        client["mitmcert"] = null;
        client["proxy_mode"] = "regular";
        var server = Connection("93.184.215.14", 443, "example.com", 1_750_000_000.4);
        server["address"] = new List<object?> { "example.com", 443L };
        server["timestamp_tcp_setup"] = 1_750_000_000.3;
        server["via"] = null;
        var plain = Connection("127.0.0.1", 50124, null, null);
        var id = Guid.NewGuid();
        var state = new Dictionary<string, object?>
        {
            ["version"] = 21L,
            ["type"] = "http",
            ["id"] = id.ToString(),
            ["error"] = null,
            ["client_conn"] = client,
            ["server_conn"] = server,
            ["intercepted"] = false,
            ["is_replay"] = null,
            ["marked"] = ":star:",
            ["metadata"] = new Dictionary<string, object?>(),
            ["comment"] = "from 11",
            ["timestamp_created"] = 1_750_000_000.0,
            ["backup"] = null,
            ["request"] = new Dictionary<string, object?>
            {
                ["http_version"] = "HTTP/2.0"u8.ToArray(),
                ["headers"] = new List<object?> { new List<object?> { "accept"u8.ToArray(), "*/*"u8.ToArray() } },
                ["content"] = Array.Empty<byte>(),
                ["trailers"] = null,
                ["timestamp_start"] = 1_750_000_000.6,
                ["timestamp_end"] = 1_750_000_000.7,
                ["host"] = "example.com",
                ["port"] = 443L,
                ["method"] = "GET"u8.ToArray(),
                ["scheme"] = "https"u8.ToArray(),
                ["authority"] = "example.com"u8.ToArray(),
                ["path"] = "/index.html"u8.ToArray(),
            },
            ["response"] = null,
            ["websocket"] = null,
        };
        using var file = new MemoryStream();
        Tnetstring.Write(file, state);
        state["id"] = Guid.NewGuid().ToString();
        state["client_conn"] = plain;
        Tnetstring.Write(file, state);

        var flows = MitmproxyFlowFile.Read(file.ToArray(), "current.mitm").ToList();

        var flow = flows[0];
        Assert.Multiple(() =>
        {
            Assert.That(flow.Id, Is.EqualTo(id));
            Assert.That(flow.Request.Url, Is.EqualTo("https://example.com/index.html"));
            Assert.That((flow.Marked, flow.Comment), Is.EqualTo((":star:", "from 11")));
            Assert.That(flow.Client.PeerName, Is.EqualTo(new HostPort("127.0.0.1", 50123)));
            Assert.That(flow.Client.TlsEstablished, Is.True, "derived from timestamp_tls_setup");
            Assert.That((flow.Client.Cipher, flow.Client.TlsVersion, flow.Client.Sni, flow.Client.Alpn), Is.EqualTo(("TLS_AES_256_GCM_SHA384", "TLSv1.3", "example.com", "h2")));
            Assert.That(flow.Server.Address, Is.EqualTo(new HostPort("example.com", 443)));
            Assert.That(flow.Server.PeerName, Is.EqualTo(new HostPort("93.184.215.14", 443)));
            Assert.That(flow.Server.TlsEstablished, Is.True);
            Assert.That(flows[1].Client.TlsEstablished, Is.False, "no handshake, no TLS");
        });
    }

    [Test]
    public void Too_old_a_version_and_flows_that_are_not_HTTP_are_said()
    {
        using var old = new MemoryStream();
        Tnetstring.Write(old, new Dictionary<string, object?> { ["version"] = 9L, ["type"] = "http" });
        using var mixed = new MemoryStream();
        Tnetstring.Write(mixed, new Dictionary<string, object?> { ["version"] = 17L, ["type"] = "tcp" });
        MitmproxyFlowFile.Write(mixed, Sample());
        var skipped = new List<string>();

        using var newer = new MemoryStream();
        Tnetstring.Write(newer, new Dictionary<string, object?> { ["version"] = 25L, ["type"] = "http" });
        var error = Assert.Throws<FormatException>(() => MitmproxyFlowFile.Read(old.ToArray(), "old.mitm").ToList());
        Assert.That(Assert.Throws<FormatException>(() => MitmproxyFlowFile.Read(newer.ToArray(), "new.mitm").ToList())!.Message,
            Is.EqualTo("Flow file new.mitm is damaged after 0 flows: its flow format version is 25, newer than the 21 this build reads; convert the file with that mitmproxy (as HAR, say)."));
        var flows = MitmproxyFlowFile.Read(mixed.ToArray(), "mixed.mitm", skipped.Add).ToList();

        Assert.That(error!.Message, Is.EqualTo("Flow file old.mitm is damaged after 0 flows: its flow format version is 9, older than mitmproxy 8.0's 14, which this build does not upgrade."));
        Assert.That(flows, Has.Count.EqualTo(1));
        Assert.That(skipped, Is.EqualTo(new[] { "Flow file mixed.mitm, flow 0 at byte 0: a tcp flow, which a reader of HTTP flows leaves out" }));
    }

    /// <summary>An HTTP/2 exchange as the proxy records it: <c>:authority</c> kept, lowercase fields, trailers both ways, no reason phrase.</summary>
    internal static HttpFlow Http2Sample()
    {
        var at = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero).AddTicks(7654321);
        var flow = new HttpFlow
        {
            TimestampCreated = at,
            Request = new HttpRequest
            {
                Method = "POST",
                Scheme = "https",
                Authority = "example.com:8443",
                Host = "example.com",
                Port = 8443,
                Path = "/api/items?page=2",
                HttpVersion = "HTTP/2.0",
                Headers = new HttpHeaders(("user-agent", "h2load"), ("content-type", "application/grpc"), ("x-a", "1"), ("te", "trailers"), ("x-a", "2")),
                Content = [0, 0, 0, 0, 2, 8, 1],
                Trailers = new HttpHeaders(("x-request-checksum", "r1")),
                TimestampStart = at,
                TimestampEnd = at.AddMilliseconds(1),
            },
            Response = new HttpResponse
            {
                HttpVersion = "HTTP/2.0",
                StatusCode = 200,
                Reason = "",
                Headers = new HttpHeaders(("content-type", "application/grpc"), ("server", "kestrel"), ("set-cookie", "a=1"), ("set-cookie", "b=2")),
                Content = [0, 0, 0, 0, 1, 9],
                Trailers = new HttpHeaders(("grpc-status", "0"), ("grpc-message", "")),
                TimestampStart = at.AddMilliseconds(5),
                TimestampEnd = at.AddMilliseconds(6),
            },
        };
        flow.Client.PeerName = new HostPort("127.0.0.1", 50001);
        flow.Client.TimestampStart = at;
        flow.Server.Address = new HostPort("example.com", 8443);
        foreach (var connection in new Connection[] { flow.Client, flow.Server })
        {
            connection.TlsEstablished = true;
            connection.TlsVersion = "TLSv1.3";
            connection.Sni = "example.com";
            connection.Cipher = "TLS_AES_128_GCM_SHA256";
            connection.Alpn = "h2";
            connection.AlpnOffers = ["h2", "http/1.1"];
            connection.TimestampTlsSetup = at;
        }

        return flow;
    }

    private static HttpFlow Sample()
    {
        var at = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero).AddTicks(1234567);
        var flow = new HttpFlow
        {
            TimestampCreated = at,
            Request = new HttpRequest
            {
                Method = "POST",
                Scheme = "https",
                Host = "example.com",
                Port = 443,
                Path = "/orders?id=7",
                Headers = new HttpHeaders(("Host", "example.com"), ("Content-Type", "application/json"), ("x-dup", "1"), ("X-Dup", "2")),
                Content = "{\"a\":1}"u8.ToArray(),
                TimestampStart = at,
                TimestampEnd = at.AddMilliseconds(1),
            },
            Response = new HttpResponse
            {
                StatusCode = 201,
                Reason = "Created",
                Headers = new HttpHeaders(("Content-Length", "3")),
                Content = [1, 2, 255],
                Trailers = new HttpHeaders(("X-Trailer", "done")),
                TimestampStart = at.AddMilliseconds(5),
                TimestampEnd = at.AddMilliseconds(6),
            },
            Marked = ":star:",
            Comment = "a comment",
            IsReplay = ReplayKind.Request,
            Error = new FlowError(FlowError.KilledMessage, at.AddSeconds(1)),
            WebSocket = new WebSocketData { Messages = [new WebSocketMessage { Type = WebSocketMessageType.Text, FromClient = true, Content = "hi"u8.ToArray(), Timestamp = at }, new WebSocketMessage { Type = WebSocketMessageType.Binary, Content = [1], Timestamp = at }] },
        };
        flow.Metadata["k"] = "v";
        flow.Client.PeerName = new HostPort("127.0.0.1", 50000);
        flow.Client.TimestampStart = at;
        flow.Server.Address = new HostPort("example.com", 443);
        flow.Server.CertificateChain = [new byte[] { 0x30, 0x82, 1, 2, 3 }];
        return flow;
    }
}
