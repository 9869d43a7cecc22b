using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Addons.Abstractions.Flows;
using Addons.Host.Filters;
using Addons.Host.Interop;
using Addons.Host.Tests.Infrastructure;
using Addons.Host.Tests.Interop;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// Issue 7 against a real mitmdump (Debian's mitmproxy 8.1.1; .ci/run installs it): files it writes are read, files
/// this build writes are read by it and come back the same, and the host's -n -r lists a file's flows as it does.
/// Issue 20: the same for HTTP/2 flows, both ways, and mitmproxy's own filters say of them what this build's say.
/// </summary>
public sealed class MitmdumpInteropTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp()
    {
        if (Mitmdump is null)
        {
            Assert.Ignore("mitmdump is not installed (apt-get install mitmproxy; .ci/run does it).");
        }

        _folder = Directory.CreateTempSubdirectory("addons-mitmdump-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static string? Mitmdump => new[] { "/usr/bin/mitmdump", "/usr/local/bin/mitmdump" }.FirstOrDefault(File.Exists);

    [Test]
    [CancelAfter(120_000)]
    public async Task A_file_mitmdump_wrote_while_proxying_is_read_with_requests_responses_and_errors(CancellationToken cancellationToken)
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        var file = Path.Combine(_folder, "captured.mitm");
        var port = FreePort();
        using var mitmdump = Start(["--listen-host", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-w", file]);
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.0.1:{port}"), UseProxy = true }) { Timeout = TimeSpan.FromSeconds(20) };
        await WaitForPortAsync(port, cancellationToken);

        Assert.That(await client.GetStringAsync(origin.Http("/hello"), cancellationToken), Is.EqualTo("hello"));
        using var posted = await client.PostAsync(origin.Http("/echo"), new StringContent("ping", Encoding.UTF8, "text/plain"), cancellationToken);
        using var refused = await client.GetAsync($"http://127.0.0.1:{FreePort()}/nobody", cancellationToken);
        await StopAsync(mitmdump, cancellationToken);

        var flows = MitmproxyFlowFile.Read(file).ToList();

        Assert.That(flows.Select(f => f.Request.Url), Is.EqualTo(new[] { origin.Http("/hello"), origin.Http("/echo"), $"http://127.0.0.1:{refused.RequestMessage!.RequestUri!.Port}/nobody" }));
        Assert.Multiple(() =>
        {
            Assert.That(flows[0].Response!.StatusCode, Is.EqualTo(200));
            Assert.That(flows[0].Response!.Content, Is.EqualTo("hello"u8.ToArray()));
            Assert.That(flows[0].Request.Headers["Host"], Is.EqualTo($"127.0.0.1:{origin.HttpPort}"));
            Assert.That(flows[1].Request.Method, Is.EqualTo("POST"));
            Assert.That(flows[1].Request.Content, Is.EqualTo("ping"u8.ToArray()));
            Assert.That(flows[2].Response, Is.Null);
            Assert.That(flows[2].Error!.Message, Does.Contain("Connect call failed"));
            Assert.That(flows[0].Client.PeerName!.Value.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(flows[0].Server.Address, Is.EqualTo(new HostPort("127.0.0.1", origin.HttpPort)));
            Assert.That(flows[0].TimestampCreated, Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(5)));
        });
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task Tcp_and_dns_flows_mitmproxy_wrote_are_read_and_the_ones_this_build_writes_are_read_by_mitmproxy(CancellationToken cancellationToken)
    {
        var theirs = Path.Combine(_folder, "theirs.mitm");
        var ours = Path.Combine(_folder, "ours.mitm");

        // mitmproxy 8.1.1's own test flows, written by its own FlowWriter.
        var (written, writeLog) = await PythonAsync($$"""
            from mitmproxy import io
            from mitmproxy.test import tflow
            with open({{PythonString(theirs)}}, "wb") as f:
                w = io.FlowWriter(f)
                t = tflow.ttcpflow()
                t.marked = ":default:"
                w.add(t)
                w.add(tflow.ttcpflow(err=True))
                w.add(tflow.tdnsflow(resp=True))
                w.add(tflow.tdnsflow(err=True))
            """, cancellationToken);
        Assert.That(written, Is.Zero, writeLog);

        var read = MitmproxyFlowFile.ReadFlows(theirs).ToList();
        Assert.That(read.Select(f => f.Type), Is.EqualTo(new[] { FlowType.Tcp, FlowType.Tcp, FlowType.Dns, FlowType.Dns }));
        var tcp = (TcpFlow)read[0];
        var dns = (DnsFlow)read[2];
        Assert.Multiple(() =>
        {
            Assert.That(tcp.Messages.Select(m => (m.FromClient, Encoding.ASCII.GetString(m.Content))), Is.EqualTo(new[] { (true, "hello"), (false, "it's me") }));
            Assert.That(tcp.Marked, Is.EqualTo(":default:"));
            Assert.That(tcp.Server.Address, Is.EqualTo(new HostPort("address", 22)));
            Assert.That(read[1].Error!.Message, Is.EqualTo("error"));
            Assert.That(dns.Request.Questions.Single().Name, Is.EqualTo("dns.google"));
            Assert.That(dns.Request.OpCodeName, Is.EqualTo("QUERY"));
            Assert.That(dns.Response!.Answers.Select(a => a.Data), Is.EqualTo(new[] { new byte[] { 8, 8, 8, 8 }, [8, 8, 4, 4] }));
            Assert.That(dns.Response.RecordDataLength, Is.EqualTo(8));
            Assert.That(((DnsFlow)read[3]).Error!.Message, Is.EqualTo("error"));
        });

        // What this build writes of them, mitmproxy reads back the same.
        await using (var stream = File.Create(ours))
        {
            MitmproxyFlowFile.WriteFlows(stream, read);
        }

        var (code, output) = await PythonAsync($$"""
            from mitmproxy import io
            for f in io.FlowReader(open({{PythonString(ours)}}, "rb")).stream():
                if f.type == "tcp":
                    print(f.type, f.id, f.marked, [(m.from_client, m.content.decode()) for m in f.messages], f.error.msg if f.error else None)
                else:
                    print(f.type, f.id, f.request.questions[0].name, [str(a) for a in f.response.answers] if f.response else None, f.error.msg if f.error else None)
            """, cancellationToken);
        Assert.That(code, Is.Zero, output);
        Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            $"tcp {read[0].Id} :default: [(True, 'hello'), (False, \"it's me\")] None",
            $"tcp {read[1].Id}  [(True, 'hello'), (False, \"it's me\")] error",
            $"dns {read[2].Id} dns.google ['8.8.8.8', '8.8.4.4'] None",
            $"dns {read[3].Id} dns.google None error",
        }));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_tls_flow_mitmdump_wrote_is_read_with_the_tls_details_of_both_connections(CancellationToken cancellationToken)
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        var file = Path.Combine(_folder, "tls.mitm");
        var port = FreePort();

        // mitmdump intercepts with a CA of its own in a folder of this test, and accepts the origin's self-signed
        // certificate (--ssl-insecure); the client accepts mitmdump's (loopback only, in this test only).
        using var mitmdump = Start([
            "--listen-host", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--ssl-insecure", "--set", $"confdir={Path.Combine(_folder, "mitmproxy-conf")}", "-w", file]);
        using var client = new HttpClient(new SocketsHttpHandler
        {
            Proxy = new WebProxy($"http://127.0.0.1:{port}"),
            UseProxy = true,
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { Timeout = TimeSpan.FromSeconds(20) };
        await WaitForPortAsync(port, cancellationToken);

        Assert.That(await client.GetStringAsync(origin.Https("/hello"), cancellationToken), Is.EqualTo("hello"));
        await StopAsync(mitmdump, cancellationToken);

        var flow = MitmproxyFlowFile.Read(file).Single();
        Assert.Multiple(() =>
        {
            Assert.That(flow.Request.Url, Is.EqualTo(origin.Https("/hello")));
            Assert.That(flow.Response!.Content, Is.EqualTo("hello"u8.ToArray()));
            Assert.That(flow.Client.TlsEstablished, Is.True);
            Assert.That(flow.Client.Sni, Is.EqualTo("localhost"));
            Assert.That(flow.Client.TlsVersion, Does.StartWith("TLSv1."));
            Assert.That(flow.Client.Cipher, Is.Not.Empty);
            Assert.That(flow.Client.TimestampTlsSetup, Is.Not.Null);
            Assert.That(flow.Server.TlsEstablished, Is.True);
            Assert.That(flow.Server.Sni, Is.EqualTo("localhost"));
            Assert.That(flow.Server.TlsVersion, Does.StartWith("TLSv1."));
            Assert.That(flow.Server.CertificateChain, Is.Not.Empty);
            Assert.That(flow.Server.CertificateChain[0], Is.EqualTo(origin.Certificate.RawData), "the origin's certificate, as mitmdump saw it");
            Assert.That(flow.Server.TimestampTlsSetup, Is.Not.Null);
        });
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task A_file_this_build_wrote_is_read_by_mitmdump_and_what_it_writes_back_is_the_same(CancellationToken cancellationToken)
    {
        var ours = Path.Combine(_folder, "ours.mitm");
        var theirs = Path.Combine(_folder, "theirs.mitm");
        var written = new[] { Flow("https://example.com/a?x=1", "GET", 200, "hello"), Flow("http://example.com:8080/b", "POST", 500, "\u00ff binary") };
        written[0].Marked = ":star:";
        written[0].Comment = "first";
        foreach (var connection in new Connection[] { written[0].Client, written[0].Server })
        {
            connection.TlsEstablished = true;
            connection.TlsVersion = "TLSv1.3";
            connection.Sni = "example.com";
            connection.Cipher = "TLS_AES_128_GCM_SHA256";
            connection.Alpn = "http/1.1";
            connection.TimestampTlsSetup = written[0].Request.TimestampStart;
        }
        written[1].Request.Content = [0, 1, 2, 255];
        written[1].Error = new FlowError("Connection killed.", written[1].Request.TimestampStart);
        await using (var stream = File.Create(ours))
        {
            MitmproxyFlowFile.Write(stream, written);
        }

        using var mitmdump = Start(["-n", "-r", ours, "-w", theirs]);
        var output = await mitmdump.StandardOutput.ReadToEndAsync(cancellationToken);
        await mitmdump.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        var errors = await mitmdump.StandardError.ReadToEndAsync(cancellationToken);

        Assert.That(mitmdump.ExitCode, Is.Zero, output + errors);
        Assert.That(output, Does.Contain("GET https://example.com/a?x=1").And.Contain("POST http://example.com:8080/b"));
        // mitmdump's -w writes a flow at response and again at error: the flow with both comes twice, the same.
        var read = MitmproxyFlowFile.Read(theirs).ToList();
        Assert.That(read.Select(f => f.Id), Is.EqualTo(new[] { written[0].Id, written[1].Id, written[1].Id }));
        var back = read.DistinctBy(f => f.Id).ToList();
        for (var i = 0; i < 2; i++)
        {
            Assert.Multiple(() =>
            {
                Assert.That(back[i].Id, Is.EqualTo(written[i].Id));
                Assert.That(back[i].Request.Url, Is.EqualTo(written[i].Request.Url));
                Assert.That(back[i].Request.Method, Is.EqualTo(written[i].Request.Method));
                Assert.That(back[i].Request.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(written[i].Request.Headers.Select(h => (h.Name, h.Value))));
                Assert.That(back[i].Request.Content, Is.EqualTo(written[i].Request.Content));
                Assert.That(back[i].Response!.StatusCode, Is.EqualTo(written[i].Response!.StatusCode));
                Assert.That(back[i].Response!.Content, Is.EqualTo(written[i].Response!.Content));
                Assert.That(back[i].Marked, Is.EqualTo(written[i].Marked));
                Assert.That(back[i].Comment, Is.EqualTo(written[i].Comment));
                Assert.That(back[i].Error?.Message, Is.EqualTo(written[i].Error?.Message));
                foreach (var (theirs, ours) in new[] { (back[i].Client, written[i].Client), ((Connection)back[i].Server, (Connection)written[i].Server) })
                {
                    Assert.That((theirs.TlsEstablished, theirs.TlsVersion, theirs.Sni, theirs.Cipher, theirs.Alpn), Is.EqualTo((ours.TlsEstablished, ours.TlsVersion, ours.Sni, ours.Cipher, ours.Alpn)));
                }
                Assert.That(back[i].TimestampCreated, Is.EqualTo(written[i].TimestampCreated).Within(TimeSpan.FromMilliseconds(1)));
            });
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task The_host_lists_a_mitmdump_file_with_a_filter_without_starting_a_proxy(CancellationToken cancellationToken)
    {
        var file = Path.Combine(_folder, "in.mitm");
        await using (var stream = File.Create(file))
        {
            MitmproxyFlowFile.Write(stream, [Flow("https://example.com/a", "GET", 200, "a"), Flow("https://example.com/orders", "POST", 500, "no"), Flow("https://example.com/b", "POST", 201, "ok")]);
        }

        var plugins = Path.Combine(_folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, $$"""{ "Addons": { "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 } } }""", cancellationToken);
        var (code, output) = await HostProcess.RunAsync(plugins, _folder, ["-n", "-r", file, "~m POST & ~c 500"], TimeSpan.FromSeconds(60), cancellationToken);

        Assert.That(code, Is.Zero, output);
        Assert.That(output.Split('\n').Where(l => l.Contains(" << ", StringComparison.Ordinal)).Select(l => l.Trim()),
            Is.EqualTo(new[] { "127.0.0.1:50000: POST https://example.com/orders << 500 Internal Server Error 2b" }));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task Every_flow_of_a_mitmproxy_file_is_converted_and_mitmproxy_reads_them_back_with_the_same_ids(CancellationToken cancellationToken)
    {
        var theirs = Path.Combine(_folder, "theirs.mitm");
        var ours = Path.Combine(_folder, "ours.mitm");

        // Complete, request-only, killed (with and without a response), failed, TCP and an unanswered DNS query, as
        // mitmproxy 8.1.1's own writer writes them.
        var (made, ids) = await PythonAsync($$"""
            from mitmproxy import io
            from mitmproxy.flow import Error
            from mitmproxy.test import tflow
            killed = tflow.tflow()
            killed.error = Error(Error.KILLED_MESSAGE)
            killed_late = tflow.tflow(resp=True)
            killed_late.error = Error(Error.KILLED_MESSAGE)
            flows = [tflow.tflow(resp=True), tflow.tflow(), killed, killed_late, tflow.tflow(err=True), tflow.ttcpflow(), tflow.tdnsflow()]
            with open({{PythonString(theirs)}}, "wb") as f:
                w = io.FlowWriter(f)
                for flow in flows:
                    w.add(flow)
            for flow in flows:
                print(flow.id, flow.type, bool(getattr(flow, "response", None)), flow.error.msg if flow.error else None)
            """, cancellationToken);
        Assert.That(made, Is.Zero, ids);

        var plugins = Path.Combine(_folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, $$"""{ "Addons": { "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 } } }""", cancellationToken);
        var (code, listed, log) = await HostProcess.RunSeparatelyAsync(plugins, _folder, ["-n", "-r", theirs, "-w", ours], TimeSpan.FromSeconds(60), cancellationToken);
        Assert.That(code, Is.Zero, log);
        Assert.That(log, Does.Contain($"Read 7 flows from {theirs}").And.Contain($"Wrote 7 flows to {ours}"));
        Assert.That(listed.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(7), listed);

        var (read, back) = await PythonAsync($$"""
            from mitmproxy import io
            for flow in io.FlowReader(open({{PythonString(ours)}}, "rb")).stream():
                print(flow.id, flow.type, bool(getattr(flow, "response", None)), flow.error.msg if flow.error else None)
            """, cancellationToken);
        Assert.That(read, Is.Zero, back);
        Assert.That(back, Is.EqualTo(ids));

        // mitmdump itself lists the file without a complaint.
        using var mitmdump = Start(["-n", "-r", ours]);
        var output = mitmdump.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = mitmdump.StandardError.ReadToEndAsync(cancellationToken);
        await mitmdump.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        Assert.That(mitmdump.ExitCode, Is.Zero, await output + await errors);
    }

    // Issue 20: the filter expressions an HTTP/2 flow is matched with here and by mitmproxy 8.1.1's own flowfilter.
    private static readonly string[] Http2Expressions =
    [
        "~http", "~tcp", "~q", "~s", "~e", "~h x-a", "~h \"^x-a: 2$\"", "~hq ^user-agent:", "~hs \"^server: kestrel\"", "~hs x-a",
        "~h grpc-status", "~h ^host:", "~d example.com", "~d ^example\\.com$", "~d ^shop\\.example$", "~d ^10\\.0\\.0\\.5$",
        "~m POST", "~m ^get$", "~t json", "~t grpc", "~tq grpc", "~ts ^text/plain", "~ts json", "~bs \"pong from h2\"", "~bq want",
        "~bs want", "~u ^https://example\\.com/api/items\\?page=2$", "~u ^https://example\\.com:8443/", "~u ^https://shop\\.example:8443/cart$",
        "~u 10.0.0.5", "api/items", "~c 200", "~c 404", "~a", "~websocket", "~src 50125$", "~dst :443$", "~dst ^10\\.0\\.0\\.5:9000$",
        "~m POST & ~d example.com & ~c 200 & !~e",
    ];

    [Test]
    [CancelAfter(120_000)]
    public async Task An_HTTP2_flow_this_build_writes_is_read_by_mitmdump_as_HTTP2_and_comes_back_the_same(CancellationToken cancellationToken)
    {
        var ours = Path.Combine(_folder, "ours-h2.mitm");
        var theirs = Path.Combine(_folder, "theirs-h2.mitm");
        var script = Path.Combine(_folder, "h2.py");
        var written = new[] { MitmproxyFlowFileTests.Http2Sample(), Filters.TestFlows.Http2(), Filters.TestFlows.Http2Reverse() };
        foreach (var flow in written.Skip(1))
        {
            flow.Request.TimestampStart = flow.Response!.TimestampStart;
            flow.Request.TimestampEnd = flow.Response.TimestampStart;
            flow.TimestampCreated = flow.Response.TimestampStart;
            flow.Client.TimestampStart = flow.Response.TimestampStart;
        }

        await using (var stream = File.Create(ours))
        {
            MitmproxyFlowFile.Write(stream, written);
        }

        // An addon of mitmdump's prints each flow as mitmproxy 8.1.1 sees it, and what its filters say of it.
        await File.WriteAllTextAsync(script, $$"""
            import json
            from mitmproxy import flowfilter

            EXPRESSIONS = json.loads({{PythonString(JsonSerializer.Serialize(Http2Expressions))}})

            def fields(headers):
                return None if headers is None else [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers.fields]

            def response(flow):
                q, s = flow.request, flow.response
                print("FLOW " + json.dumps({
                    "id": flow.id,
                    "version": [q.http_version, s.http_version, q.is_http2, s.is_http2],
                    "authority": q.authority,
                    "pretty": [q.pretty_host, q.pretty_url],
                    "request": [q.method, q.scheme, q.host, q.port, q.path],
                    "headers": [fields(q.headers), fields(s.headers)],
                    "trailers": [fields(q.trailers), fields(s.trailers)],
                    "content": [q.raw_content.hex(), s.raw_content.hex()],
                    "status": [s.status_code, s.reason],
                    "alpn": [flow.client_conn.alpn.decode() if flow.client_conn.alpn else None, flow.server_conn.alpn.decode() if flow.server_conn.alpn else None],
                    "filters": [bool(flowfilter.match(e, flow)) for e in EXPRESSIONS],
                }), flush=True)
            """, cancellationToken);

        using var mitmdump = Start(["-n", "-r", ours, "-s", script, "--set", "flow_detail=3", "-w", theirs]);
        var output = mitmdump.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = mitmdump.StandardError.ReadToEndAsync(cancellationToken);
        await mitmdump.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        var log = await output + await errors;
        Assert.That(mitmdump.ExitCode, Is.Zero, log);

        var seen = log.Split('\n').Where(l => l.StartsWith("FLOW ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l[5..]).RootElement).ToList();
        Assert.That(seen.Select(f => f.GetProperty("id").GetString()), Is.EqualTo(written.Select(f => f.Id.ToString())), log);
        static string[][]? Fields(HttpHeaders? headers) => headers?.Select(h => new[] { h.Name, h.Value }).ToArray();
        static string Json(object? value) => JsonSerializer.Serialize(value);
        for (var i = 0; i < written.Length; i++)
        {
            var (flow, mitm) = (written[i], seen[i]);
            var request = flow.Request;
            var response = flow.Response!;
            Assert.Multiple(() =>
            {
                Assert.That(mitm.GetProperty("version").GetRawText(), Is.EqualTo("[\"HTTP/2.0\", \"HTTP/2.0\", true, true]"));
                Assert.That(mitm.GetProperty("authority").GetString(), Is.EqualTo(request.Authority));
                Assert.That(mitm.GetProperty("pretty")[0].GetString(), Is.EqualTo(request.PrettyHost), "pretty_host is the authority's host");
                Assert.That(JsonSerializer.Deserialize<object[]>(mitm.GetProperty("request").GetRawText())!.Select(o => o.ToString()),
                    Is.EqualTo(new[] { request.Method, request.Scheme, request.Host, request.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Path }));
                Assert.That(Normal(mitm.GetProperty("headers")[0].GetRawText()), Is.EqualTo(Normal(Json(Fields(request.Headers)))), "the request's fields, in order, no pseudo-header");
                Assert.That(Normal(mitm.GetProperty("headers")[1].GetRawText()), Is.EqualTo(Normal(Json(Fields(response.Headers)))));
                Assert.That(Normal(mitm.GetProperty("trailers")[0].GetRawText()), Is.EqualTo(Normal(Json(Fields(request.Trailers)))));
                Assert.That(Normal(mitm.GetProperty("trailers")[1].GetRawText()), Is.EqualTo(Normal(Json(Fields(response.Trailers)))));
                Assert.That(mitm.GetProperty("content")[0].GetString(), Is.EqualTo(Convert.ToHexStringLower(request.Content!)));
                Assert.That(mitm.GetProperty("content")[1].GetString(), Is.EqualTo(Convert.ToHexStringLower(response.Content!)));
                Assert.That(Normal(mitm.GetProperty("status").GetRawText()), Is.EqualTo(Normal("[200, \"\"]")), "no reason phrase");
                Assert.That(mitm.GetProperty("alpn")[0].GetString(), Is.EqualTo(flow.Client.Alpn));
            });

            // mitmproxy's filters say of it what this build's say.
            var theirFilters = mitm.GetProperty("filters").EnumerateArray().Select(b => b.GetBoolean()).ToArray();
            var ourFilters = Http2Expressions.Select(e => FlowFilter.Parse(e).Matches(flow)).ToArray();
            Assert.That(Http2Expressions.Zip(ourFilters, (e, m) => $"{e} => {m}"), Is.EqualTo(Http2Expressions.Zip(theirFilters, (e, m) => $"{e} => {m}")), $"flow {i}");
        }

        // mitmdump's own listing names the version, and shows the trailers.
        Assert.That(log, Does.Contain("POST https://example.com:8443/api/items?page=2 HTTP/2.0").And.Contain("grpc-status: 0").And.Contain("x-request-checksum: r1"));

        // What mitmdump writes back of them this build reads as it wrote them.
        var back = MitmproxyFlowFile.Read(theirs).ToList();
        Assert.That(back.Select(f => f.Id), Is.EqualTo(written.Select(f => f.Id)));
        for (var i = 0; i < written.Length; i++)
        {
            var (flow, read) = (written[i], back[i]);
            Assert.Multiple(() =>
            {
                Assert.That((read.Request.HttpVersion, read.Response!.HttpVersion), Is.EqualTo(("HTTP/2.0", "HTTP/2.0")));
                Assert.That(read.Request.Authority, Is.EqualTo(flow.Request.Authority));
                Assert.That(read.Request.Url, Is.EqualTo(flow.Request.Url));
                Assert.That(read.Request.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(flow.Request.Headers.Select(h => (h.Name, h.Value))));
                Assert.That(read.Request.Trailers?.Select(h => (h.Name, h.Value)), Is.EqualTo(flow.Request.Trailers?.Select(h => (h.Name, h.Value))));
                Assert.That(read.Request.Content, Is.EqualTo(flow.Request.Content));
                Assert.That((read.Response.StatusCode, read.Response.Reason), Is.EqualTo((flow.Response!.StatusCode, "")));
                Assert.That(read.Response.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(flow.Response.Headers.Select(h => (h.Name, h.Value))));
                Assert.That(read.Response.Trailers?.Select(h => (h.Name, h.Value)), Is.EqualTo(flow.Response.Trailers?.Select(h => (h.Name, h.Value))));
                Assert.That(read.Response.Content, Is.EqualTo(flow.Response.Content));
                Assert.That((read.Client.Alpn, read.Server.Alpn), Is.EqualTo((flow.Client.Alpn, flow.Server.Alpn)));
                Assert.That(read.Response.TimestampEnd, Is.EqualTo(flow.Response.TimestampEnd).Within(TimeSpan.FromMilliseconds(1)));
            });
        }
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task HTTP2_exchanges_mitmdump_captured_as_a_reverse_proxy_are_read_as_HTTP2(CancellationToken cancellationToken)
    {
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        var file = Path.Combine(_folder, "h2-reverse.mitm");
        var port = FreePort();

        // mitmdump in front of the origin's HTTPS endpoint (HTTP/1.1 and HTTP/2 by ALPN), with a CA of its own in a folder
        // of this test, accepting the origin's self-signed certificate; the client accepts mitmdump's (loopback only).
        // Lazily: connecting to the origin first (the eager default), mitmdump 8.1.1 offers it no ALPN, gets none, and
        // then refuses the client's h2 too.
        using var mitmdump = Start([
            "--mode", $"reverse:https://localhost:{origin.HttpsPort}", "--listen-host", "127.0.0.1",
            "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ssl-insecure", "--set", "connection_strategy=lazy",
            "--set", $"confdir={Path.Combine(_folder, "mitmproxy-conf")}", "-w", file]);
        try
        {
            using var client = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } })
            {
                DefaultRequestVersion = HttpVersion.Version20,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Timeout = TimeSpan.FromSeconds(20),
            };
            await WaitForPortAsync(port, cancellationToken);
            var before = DateTimeOffset.UtcNow;

            using (var hello = await client.GetAsync($"https://localhost:{port}/hello", cancellationToken))
            {
                Assert.That(hello.Version, Is.EqualTo(HttpVersion.Version20), "the client spoke HTTP/2 to mitmdump");
                Assert.That(await hello.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("hello"));
            }

            using (var posted = await client.PostAsync($"https://localhost:{port}/echo", new StringContent("ping", Encoding.UTF8, "text/plain"), cancellationToken))
            {
                Assert.That(await posted.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("POST length=4 ping"));
            }

            using (var trailers = await client.GetAsync($"https://localhost:{port}/trailers", cancellationToken))
            {
                Assert.That(await trailers.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("with trailers"));
            }

            using (var version = await client.GetAsync($"https://localhost:{port}/version", cancellationToken))
            {
                Assert.That(await version.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("HTTP/2"), "mitmdump spoke HTTP/2 to the origin");
            }

            await StopAsync(mitmdump, cancellationToken);

            var flows = MitmproxyFlowFile.Read(file).ToList();
            Assert.That(flows.Select(f => $"{f.Request.Method} {f.Request.Url} {f.Response?.StatusCode}"), Is.EqualTo(new[]
            {
                $"GET https://localhost:{origin.HttpsPort}/hello 200",
                $"POST https://localhost:{origin.HttpsPort}/echo 200",
                $"GET https://localhost:{origin.HttpsPort}/trailers 200",
                $"GET https://localhost:{origin.HttpsPort}/version 200",
            }));
            foreach (var flow in flows)
            {
                var (request, response) = (flow.Request, flow.Response!);
                Assert.Multiple(() =>
                {
                    Assert.That((request.HttpVersion, response.HttpVersion), Is.EqualTo(("HTTP/2.0", "HTTP/2.0")), request.Path);
                    Assert.That(request.Authority, Is.EqualTo($"localhost:{origin.HttpsPort}"), "mitmdump names the origin in :authority, as its reverse mode does");
                    Assert.That(request.Headers.Select(h => h.Name), Has.None.StartsWith(":"), "no pseudo-header among the fields");
                    Assert.That(request.Headers.Select(h => h.Name), Has.None.EqualTo("host").IgnoreCase, "HTTP/2 carries the host in :authority");
                    Assert.That(response.Reason, Is.Empty, "HTTP/2 has no reason phrase");
                    Assert.That(response.Headers.All(h => h.Name == h.Name.ToLowerInvariant()), Is.True, "HTTP/2 field names are lowercase");
                    Assert.That(flow.Client.Alpn, Is.EqualTo("h2"));
                    Assert.That(flow.Server.Alpn, Is.EqualTo("h2"));
                    Assert.That(flow.Client.TlsEstablished && flow.Server.TlsEstablished, Is.True);
                    Assert.That(flow.Server.Address, Is.EqualTo(new HostPort("localhost", origin.HttpsPort)));
                    Assert.That(flow.TimestampCreated, Is.EqualTo(before).Within(TimeSpan.FromMinutes(2)));
                    Assert.That(request.TimestampStart, Is.GreaterThanOrEqualTo(flow.TimestampCreated.AddMilliseconds(-1)));
                    Assert.That(request.TimestampEnd, Is.GreaterThanOrEqualTo(request.TimestampStart));
                    Assert.That(response.TimestampStart, Is.GreaterThanOrEqualTo(request.TimestampEnd!.Value));
                    Assert.That(response.TimestampEnd, Is.GreaterThanOrEqualTo(response.TimestampStart));
                    Assert.That(response.TimestampEnd, Is.LessThanOrEqualTo(DateTimeOffset.UtcNow));
                });
            }

            Assert.Multiple(() =>
            {
                Assert.That(flows[0].Response!.Content, Is.EqualTo("hello"u8.ToArray()));
                Assert.That(flows[0].Response!.Headers["content-type"], Is.EqualTo("text/plain; charset=utf-8"));
                Assert.That(flows[1].Request.Content, Is.EqualTo("ping"u8.ToArray()));
                Assert.That(flows[1].Request.Headers["content-type"], Is.EqualTo("text/plain; charset=utf-8"));
                Assert.That(flows[1].Request.Headers["content-length"], Is.EqualTo("4"));
                Assert.That(flows[1].Response!.Content, Is.EqualTo("POST length=4 ping"u8.ToArray()));
                Assert.That(flows[2].Response!.Content, Is.EqualTo("with trailers"u8.ToArray()));
                Assert.That(flows[2].Response!.Trailers?.Select(h => (h.Name, h.Value)), Is.EqualTo(new[] { ("x-checksum", "abc123") }));
                Assert.That(flows[0].Response!.Trailers, Is.Null);
            });

            // And this build's filters see them as HTTP flows to the origin.
            Assert.That(flows.Count(FlowFilter.Parse($"~http & ~d ^localhost$ & ~u ^https://localhost:{origin.HttpsPort}/ & ~c 200").Matches), Is.EqualTo(4));
        }
        finally
        {
            if (!mitmdump.HasExited)
            {
                mitmdump.Kill();
            }
        }
    }

    /// <summary>JSON text as .NET writes it, for comparing what Python's json wrote.</summary>
    private static string Normal(string json)
    {
        using var document = JsonDocument.Parse(json);
        return JsonSerializer.Serialize(document.RootElement);
    }

    private static HttpFlow Flow(string url, string method, int status, string body)
    {
        var flow = FlowLifecycle.NewFlow(url);
        flow.Live = false;
        flow.Request.Method = method;
        flow.Request.Headers.Add("X-Case", "Mixed");
        flow.Request.TimestampEnd = flow.Request.TimestampStart;
        flow.TimestampCreated = flow.Request.TimestampStart;
        flow.Client.PeerName = new HostPort("127.0.0.1", 50000);
        flow.Client.TimestampStart = flow.Request.TimestampStart;
        flow.Server.Address = new HostPort(flow.Request.Host, flow.Request.Port);
        flow.Response = new HttpResponse
        {
            StatusCode = status,
            Reason = ReasonPhrases.For(status),
            Headers = new HttpHeaders(("Content-Type", "text/plain")),
            Content = Encoding.UTF8.GetBytes(body),
            TimestampStart = flow.Request.TimestampStart,
            TimestampEnd = flow.Request.TimestampStart.AddMilliseconds(3),
        };
        return flow;
    }

    /// <summary>Runs a script with the system Python, where Debian's mitmproxy modules are; its exit code and output.</summary>
    private static async Task<(int Code, string Output)> PythonAsync(string script, CancellationToken cancellationToken)
    {
        using var python = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["HOME"] = Path.GetTempPath() },
        })!;
        var output = python.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = python.StandardError.ReadToEndAsync(cancellationToken);
        await python.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return (python.ExitCode, await output + await errors);
    }

    private static string PythonString(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    private static Process Start(string[] args) => Process.Start(new ProcessStartInfo(Mitmdump!, args)
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        Environment = { ["HOME"] = Path.GetTempPath() },
    })!;

    private static async Task StopAsync(Process process, CancellationToken cancellationToken)
    {
        // SIGINT: mitmdump finishes writing its file and exits.
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(cancellationToken);
        }

        await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 300; i++)
        {
            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        Assert.Fail($"mitmdump did not listen on port {port}.");
    }
}
