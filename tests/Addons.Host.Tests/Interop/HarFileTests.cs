using System.Text;
using System.Text.Json;
using Addons.Abstractions.Flows;
using Addons.Host.Interop;

namespace Addons.Host.Tests.Interop;

public sealed class HarFileTests
{
    [Test]
    public void Flows_written_as_HAR_read_back_with_their_requests_responses_headers_and_bodies()
    {
        var text = NewFlow("https://example.com/search?q=a%20b&x=1", "GET");
        text.Request.Headers.Add("Accept-Language", "fr-FR");
        text.Request.Headers.Add("X-Name", Encoding.Latin1.GetString("café"u8.ToArray()));
        text.Response = new HttpResponse { StatusCode = 200, Reason = "OK", Content = "hello"u8.ToArray(), TimestampStart = text.Request.TimestampStart, TimestampEnd = text.Request.TimestampStart.AddMilliseconds(25) };
        text.Response.Headers.Add("Content-Type", "text/plain");
        text.Comment = "first";
        var binary = NewFlow("http://example.com:8080/upload", "POST");
        binary.Request.Content = [0, 1, 2, 255];
        var unanswered = NewFlow("https://example.com/pending", "GET");

        using var stream = new MemoryStream();
        HarFile.Write(stream, [text, binary, unanswered]);
        var read = HarFile.Read(stream.ToArray(), "memory.har").ToList();

        Assert.That(read, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(read[0].Request.Url, Is.EqualTo("https://example.com/search?q=a%20b&x=1"));
            Assert.That(read[0].Request.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(text.Request.Headers.Select(h => (h.Name, h.Value))), "order, case and non-ASCII bytes kept");
            Assert.That(read[0].Response!.StatusCode, Is.EqualTo(200));
            Assert.That(read[0].Response!.Content, Is.EqualTo("hello"u8.ToArray()));
            Assert.That(read[0].Response!.TimestampEnd, Is.EqualTo(text.Response.TimestampEnd));
            Assert.That(read[0].Comment, Is.EqualTo("first"));
            Assert.That(read[1].Request.Method, Is.EqualTo("POST"));
            Assert.That(read[1].Request.Port, Is.EqualTo(8080));
            Assert.That(read[1].Request.Content, Is.EqualTo(new byte[] { 0, 1, 2, 255 }), "binary bodies go as base64");
            Assert.That(read[2].Response, Is.Null, "a request without response is written with status 0");
        });
    }

    [TestCase("h2", "HTTP/2.0")]
    [TestCase("http/2.0", "HTTP/2.0")]
    [TestCase("HTTP/2", "HTTP/2.0")]
    [TestCase("h3", "HTTP/3")]
    [TestCase("http/1.1", "HTTP/1.1")]
    [TestCase("HTTP/1.0", "HTTP/1.0")]
    [TestCase("", "HTTP/1.1")]
    public void A_browsers_version_names_read_as_mitmproxy_names_them(string written, string read)
    {
        // Chromium writes the ALPN name ("h2"), Firefox "HTTP/2"; a flow says HTTP/2.0.
        var har = """
            {"log": {"version": "1.2", "entries": [{"startedDateTime": "2026-11-26T10:00:00.000Z", "time": 3,
              "request": {"method": "GET", "url": "https://example.com/", "httpVersion": "VERSION", "headers": []},
              "response": {"status": 200, "statusText": "", "httpVersion": "VERSION", "headers": [], "content": {"size": 0}}}]}}
            """;

        var flow = HarFile.Read(Encoding.UTF8.GetBytes(har.Replace("VERSION", written, StringComparison.Ordinal)), "browser.har").Single();

        Assert.That((flow.Request.HttpVersion, flow.Response!.HttpVersion), Is.EqualTo((read, read)));
    }

    [Test]
    public void An_HTTP2_flow_is_written_with_its_version_as_it_is_and_reads_back_the_same()
    {
        var flow = NewFlow("https://example.com/api/items?page=2", "POST");
        flow.Request.HttpVersion = "HTTP/2.0";
        flow.Request.Authority = "example.com";
        flow.Request.Headers = new HttpHeaders(("user-agent", "h2load"), ("x-a", "1"), ("content-type", "application/json"), ("x-a", "2"));
        flow.Request.Content = "{\"want\":1}"u8.ToArray();
        flow.Response = new HttpResponse
        {
            HttpVersion = "HTTP/2.0",
            StatusCode = 200,
            Reason = "",
            Headers = new HttpHeaders(("content-type", "text/plain"), ("server", "kestrel")),
            Content = "pong"u8.ToArray(),
            Trailers = new HttpHeaders(("grpc-status", "0")),
            TimestampStart = flow.Request.TimestampStart,
            TimestampEnd = flow.Request.TimestampStart.AddMilliseconds(7),
        };

        using var stream = new MemoryStream();
        HarFile.Write(stream, [flow]);
        using var json = JsonDocument.Parse(stream.ToArray());
        var entry = json.RootElement.GetProperty("log").GetProperty("entries")[0];
        var back = HarFile.Read(stream.ToArray(), "h2.har").Single();

        Assert.Multiple(() =>
        {
            Assert.That(entry.GetProperty("request").GetProperty("httpVersion").GetString(), Is.EqualTo("HTTP/2.0"));
            Assert.That(entry.GetProperty("response").GetProperty("httpVersion").GetString(), Is.EqualTo("HTTP/2.0"));
            Assert.That(entry.GetProperty("response").GetProperty("statusText").GetString(), Is.Empty, "HTTP/2 has no reason phrase");
            Assert.That(entry.GetProperty("request").GetProperty("headers").EnumerateArray().Select(h => h.GetProperty("name").GetString()),
                Is.EqualTo(new[] { "user-agent", "x-a", "content-type", "x-a" }), "no pseudo-header is made up");
            Assert.That((back.Request.HttpVersion, back.Response!.HttpVersion), Is.EqualTo(("HTTP/2.0", "HTTP/2.0")));
            Assert.That(back.Request.Url, Is.EqualTo("https://example.com/api/items?page=2"));
            Assert.That(back.Request.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(flow.Request.Headers.Select(h => (h.Name, h.Value))));
            Assert.That(back.Request.Content, Is.EqualTo(flow.Request.Content));
            Assert.That((back.Response.StatusCode, back.Response.Reason), Is.EqualTo((200, "")));
            Assert.That(back.Response.Headers.Select(h => (h.Name, h.Value)), Is.EqualTo(flow.Response.Headers.Select(h => (h.Name, h.Value))));
            Assert.That(back.Response.Content, Is.EqualTo("pong"u8.ToArray()));
        });
    }

    [TestCase("h2")]
    [TestCase("HTTP/2")]
    [TestCase("http/2.0")]
    [TestCase("HTTP/2.0")]
    public void A_browsers_HTTP2_entry_reads_as_HTTP2_with_its_authority_and_is_written_back_as_HTTP_2_0(string version)
    {
        // Chromium lists an HTTP/2 request's pseudo-header fields among its headers.
        var har = """
            {"log": {"version": "1.2", "entries": [{"startedDateTime": "2026-11-26T10:00:00.000Z", "time": 3,
              "request": {"method": "GET", "url": "https://www.example.com:8443/app.js", "httpVersion": "VERSION", "headers": [
                {"name": ":method", "value": "GET"}, {"name": ":authority", "value": "www.example.com:8443"}, {"name": ":scheme", "value": "https"},
                {"name": ":path", "value": "/app.js"}, {"name": "accept", "value": "*/*"}, {"name": "accept-encoding", "value": "gzip, br"}]},
              "response": {"status": 200, "statusText": "", "httpVersion": "VERSION", "headers": [{"name": "content-type", "value": "text/javascript"}],
                "content": {"size": 2, "text": "1;"}}}]}}
            """;

        var flow = HarFile.Read(Encoding.UTF8.GetBytes(har.Replace("VERSION", version, StringComparison.Ordinal)), "chromium.har").Single();
        using var stream = new MemoryStream();
        HarFile.Write(stream, [flow]);
        using var json = JsonDocument.Parse(stream.ToArray());
        var entry = json.RootElement.GetProperty("log").GetProperty("entries")[0];
        var again = HarFile.Read(stream.ToArray(), "again.har").Single();

        Assert.Multiple(() =>
        {
            Assert.That((flow.Request.HttpVersion, flow.Response!.HttpVersion), Is.EqualTo(("HTTP/2.0", "HTTP/2.0")));
            Assert.That(flow.Request.Authority, Is.EqualTo("www.example.com:8443"), ":authority is the request's authority");
            Assert.That(flow.Request.Headers.Select(h => h.Name), Is.EqualTo(new[] { "accept", "accept-encoding" }), "pseudo-headers are not headers");
            Assert.That((flow.Request.Host, flow.Request.Port, flow.Request.Path), Is.EqualTo(("www.example.com", 8443, "/app.js")));
            Assert.That(entry.GetProperty("request").GetProperty("httpVersion").GetString(), Is.EqualTo("HTTP/2.0"));
            Assert.That(entry.GetProperty("response").GetProperty("httpVersion").GetString(), Is.EqualTo("HTTP/2.0"));
            Assert.That((again.Request.HttpVersion, again.Response!.HttpVersion), Is.EqualTo(("HTTP/2.0", "HTTP/2.0")));
            Assert.That(again.Request.Url, Is.EqualTo("https://www.example.com:8443/app.js"));
            Assert.That(again.Response.Content, Is.EqualTo("1;"u8.ToArray()));
        });
    }

    [Test]
    public void A_flows_error_is_kept_in_DevTools_error_field_with_or_without_a_response()
    {
        var killed = NewFlow("https://example.com/killed", "GET");
        killed.Error = new FlowError(FlowError.KilledMessage, killed.Request.TimestampStart);
        var killedLate = NewFlow("https://example.com/late", "GET");
        killedLate.Response = new HttpResponse { StatusCode = 200, Reason = "OK", TimestampStart = killedLate.Request.TimestampStart, TimestampEnd = killedLate.Request.TimestampStart };
        killedLate.Error = new FlowError(FlowError.KilledMessage, killedLate.Request.TimestampStart);
        var chromium = """
            {"log": {"version": "1.2", "entries": [{"startedDateTime": "2026-11-26T10:00:00.000Z", "time": 3,
              "request": {"method": "GET", "url": "http://127.0.0.1:9/refused", "httpVersion": "", "headers": []},
              "response": {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "content": {"size": 0}, "_error": "net::ERR_CONNECTION_REFUSED"}}]}}
            """;

        using var stream = new MemoryStream();
        HarFile.Write(stream, [killed, killedLate]);
        var read = HarFile.Read(stream.ToArray(), "memory.har").ToList();
        var refused = HarFile.Read(Encoding.UTF8.GetBytes(chromium), "chromium.har").Single();

        Assert.That(read.Select(f => (f.Response?.StatusCode, f.Error?.Message)), Is.EqualTo(new (int?, string?)[] { (null, FlowError.KilledMessage), (200, FlowError.KilledMessage) }));
        Assert.That((refused.Response, refused.Error?.Message), Is.EqualTo(((HttpResponse?)null, "net::ERR_CONNECTION_REFUSED")));
    }

    [Test]
    public void A_HAR_exported_by_headless_Chromium_reads_with_every_entry_header_and_body()
    {
        // Fixtures/make-chromium-har.sh: Chromium 156 headless, recorded over the DevTools protocol by chrome-har-capturer.
        var flows = HarFile.Read(Path.Combine(AppContext.BaseDirectory, "Fixtures", "chromium-156-headless.har")).ToList();

        Assert.That(flows.Select(f => $"{f.Request.Method} {f.Request.Path} {f.Response?.StatusCode}"), Is.EqualTo(new[]
        {
            "GET /index.html 200", "GET /app.js 200", "GET /pixel.png 200", "GET /data.json 200", "POST /submit 501", "GET /favicon.ico 404",
        }));
        Assert.Multiple(() =>
        {
            Assert.That(Encoding.UTF8.GetString(flows[0].Response!.Content!), Does.Contain("Héllo from the fixture page"));
            Assert.That(flows[2].Response!.Content, Has.Length.EqualTo(70));
            Assert.That(flows[2].Response!.Content!.Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }), "base64 content decoded");
            Assert.That(flows[3].Response!.Content, Is.EqualTo(Encoding.UTF8.GetBytes("{\"name\": \"fixture\", \"items\": [1, 2, 3]}\n")));
            Assert.That(flows[4].Request.Content, Is.EqualTo("{\"a\":1}"u8.ToArray()));
            Assert.That(flows[4].Request.Headers["Content-Type"], Is.EqualTo("application/json"));
            Assert.That(flows[0].Request.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(flows[0].Request.Port, Is.EqualTo(18790));
            Assert.That(flows.Select(f => f.TimestampCreated), Is.Ordered);
        });

        // Written and read again, every flow keeps its request, response and bodies.
        using var stream = new MemoryStream();
        HarFile.Write(stream, flows);
        var again = HarFile.Read(stream.ToArray(), "again.har").ToList();
        Assert.That(again.Select(f => (f.Request.Url, f.Request.Method, f.Response?.StatusCode)), Is.EqualTo(flows.Select(f => (f.Request.Url, f.Request.Method, f.Response?.StatusCode))));
        Assert.That(again.Select(f => f.Response?.Content), Is.EqualTo(flows.Select(f => f.Response?.Content)));
        Assert.That(again.Select(f => f.Request.Headers.Count), Is.EqualTo(flows.Select(f => f.Request.Headers.Count)));
    }

    [Test]
    public void A_truncated_file_yields_the_entries_before_the_damage_then_names_the_file_and_offset()
    {
        using var stream = new MemoryStream();
        HarFile.Write(stream, [NewFlow("https://example.com/1", "GET"), NewFlow("https://example.com/2", "GET"), NewFlow("https://example.com/3", "GET")]);
        var whole = stream.ToArray();
        var cut = whole.AsSpan(0, Encoding.UTF8.GetString(whole).IndexOf("https://example.com/3", StringComparison.Ordinal)).ToArray();

        var read = new List<HttpFlow>();
        var error = Assert.Throws<FormatException>(() =>
        {
            foreach (var flow in HarFile.Read(cut, "cut.har"))
            {
                read.Add(flow);
            }
        });

        Assert.That(read.Select(f => f.Request.Path), Is.EqualTo(new[] { "/1", "/2" }));
        Assert.That(error!.Message, Does.Match(@"^Flow file cut\.har is not valid HAR after 2 entries: invalid JSON at byte \d+ \(line \d+\)\.$"));
    }

    [TestCase("[]", "Flow file x.har is not HAR: it has no log.entries array.")]
    [TestCase("{ \"log\": { \"version\": \"1.2\" } }", "Flow file x.har is not HAR: it has no log.entries array.")]
    [TestCase("{ \"log\": { \"entries\": [] } }", "Flow file x.har has no entries.")]
    [TestCase("{ \"log\": { \"entries\": [ { \"startedDateTime\": \"2026-11-26T10:00:00Z\", \"request\": { \"method\": \"GET\" } } ] } }", "Flow file x.har, entry 0: request.url is missing.")]
    [TestCase("{ \"log\": { \"entries\": [ { \"startedDateTime\": \"2026-11-26T10:00:00Z\", \"request\": { \"method\": \"GET\", \"url\": \"http://a/\", \"postData\": { \"text\": \"@@\", \"encoding\": \"base64\" } } } ] } }", "Flow file x.har, entry 0: request.postData.text is marked base64 but is not base64.")]
    public void Bad_input_is_one_sentence(string json, string message)
    {
        var error = Assert.Throws<FormatException>(() => HarFile.Read(Encoding.UTF8.GetBytes(json), "x.har").ToList());

        Assert.That(error!.Message, Is.EqualTo(message));
    }

    [Test]
    public void A_session_file_given_as_a_flow_file_is_named_and_sent_to_the_Session()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flowfile-{Guid.NewGuid():N}.session");
        File.WriteAllBytes(path, [.. "SQLite format 3\0"u8, .. new byte[100]]);
        try
        {
            var error = Assert.Throws<FormatException>(() => FlowFile.Read(path).ToList());

            Assert.That(error!.Message, Is.EqualTo($"Flow file {path} is a SQLite database, such as a session file; a session is opened by the Session addon (--set session_path={path}), not read as a flow file."));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void FlowFile_tells_mitmproxy_files_from_HAR_by_their_first_bytes()
    {
        var flow = NewFlow("https://example.com/x", "GET");
        var mitm = Path.Combine(Path.GetTempPath(), $"flowfile-{Guid.NewGuid():N}.dump");
        var har = Path.Combine(Path.GetTempPath(), $"flowfile-{Guid.NewGuid():N}.dump");
        try
        {
            using (var stream = File.Create(mitm))
            {
                MitmproxyFlowFile.Write(stream, [flow]);
            }

            using (var stream = File.Create(har))
            {
                HarFile.Write(stream, [flow]);
            }

            Assert.That(FlowFile.Read(mitm).Single().Id, Is.EqualTo(flow.Id), "mitmproxy's format keeps the id");
            Assert.That(FlowFile.Read(har).Single().Request.Url, Is.EqualTo("https://example.com/x"));
        }
        finally
        {
            File.Delete(mitm);
            File.Delete(har);
        }
    }

    private static HttpFlow NewFlow(string url, string method)
    {
        var uri = new Uri(url);
        var at = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);
        return new HttpFlow
        {
            TimestampCreated = at,
            Request = new HttpRequest
            {
                Method = method,
                Scheme = uri.Scheme,
                Host = uri.Host,
                Port = uri.Port,
                Path = uri.PathAndQuery,
                Headers = new HttpHeaders(("Host", uri.Authority)),
                TimestampStart = at,
            },
        };
    }
}
