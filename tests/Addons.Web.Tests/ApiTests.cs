using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using ZstdSharp;

namespace Addons.Web.Tests;

/// <summary>The JSON API (API.md): pages of the View, one flow, bodies raw and decoded, commands, options, upload and download.</summary>
public sealed class ApiTests
{
    private const string Har = """
        {
          "log": {
            "version": "1.2",
            "creator": {"name": "hand", "version": "1"},
            "entries": [
              {
                "startedDateTime": "2024-12-05T10:00:00.000Z",
                "time": 12,
                "request": {
                  "method": "POST", "url": "https://har.example/from-har?x=1", "httpVersion": "HTTP/1.1",
                  "headers": [{"name": "Host", "value": "har.example"}, {"name": "Content-Type", "value": "text/plain"}],
                  "queryString": [{"name": "x", "value": "1"}], "cookies": [], "headersSize": -1, "bodySize": 4,
                  "postData": {"mimeType": "text/plain", "text": "ping"}
                },
                "response": {
                  "status": 201, "statusText": "Created", "httpVersion": "HTTP/1.1",
                  "headers": [{"name": "Content-Type", "value": "text/plain"}], "cookies": [],
                  "content": {"size": 5, "mimeType": "text/plain", "text": "hello"},
                  "redirectURL": "", "headersSize": -1, "bodySize": 5
                },
                "cache": {},
                "timings": {"send": 0, "wait": 12, "receive": 0}
              }
            ]
          }
        }
        """;

    private const string Text = "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.";

    private WebServer _server = null!;

    [SetUp]
    public async Task StartAsync() => _server = await WebServer.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task APageHasTheTotalsAndARowPerFlowInTheViewsOrder()
    {
        var first = await _server.CaptureAsync("http://example.com/a?b=c");
        await _server.CaptureAsync("https://other.example/b", status: 404, body: "missing");
        await _server.CaptureAsync("http://example.com/c", body: "");

        var page = await WebTestKit.PageAsync(_server, offset: 0, limit: 10);

        Assert.That(page.GetProperty("offset").GetInt32(), Is.EqualTo(0));
        Assert.That(page.GetProperty("total").GetInt32(), Is.EqualTo(3));
        Assert.That(page.GetProperty("storeCount").GetInt32(), Is.EqualTo(3));
        Assert.That(page.GetProperty("filter").GetString(), Is.Empty);
        Assert.That(page.GetProperty("order").GetString(), Is.EqualTo("time"));
        Assert.That(page.GetProperty("reversed").GetBoolean(), Is.False);
        Assert.That(page.GetProperty("markedOnly").GetBoolean(), Is.False);
        var rows = page.GetProperty("rows").EnumerateArray().ToList();
        Assert.That(rows.Select(r => r.GetProperty("index").GetInt32()), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(rows.Select(r => r.GetProperty("path").GetString()), Is.EqualTo(new[] { "/a?b=c", "/b", "/c" }));
        Assert.That(rows.Select(r => r.GetProperty("host").GetString()), Is.EqualTo(new[] { "example.com", "other.example", "example.com" }));
        Assert.That(rows.Select(r => r.GetProperty("status").GetInt32()), Is.EqualTo(new[] { 200, 404, 200 }));
        Assert.That(rows.Select(r => r.GetProperty("size").GetInt64()), Is.EqualTo(new long[] { 2, 7, 0 }));

        var row = rows[0];
        Assert.That(row.GetProperty("id").GetString(), Is.EqualTo(first.Id.ToString()));
        Assert.That(row.GetProperty("type").GetString(), Is.EqualTo("http"));
        Assert.That(row.GetProperty("method").GetString(), Is.EqualTo("GET"));
        Assert.That(row.GetProperty("scheme").GetString(), Is.EqualTo("http"));
        Assert.That(row.GetProperty("url").GetString(), Is.EqualTo("http://example.com/a?b=c"));
        Assert.That(row.GetProperty("marked").GetString(), Is.Empty);
        Assert.That(row.GetProperty("error").GetBoolean(), Is.False);
        Assert.That(row.GetProperty("duration").GetDouble(), Is.EqualTo(12).Within(0.001), "the request's start to the response's end");
        Assert.That(row.GetProperty("time").GetDouble(), Is.EqualTo((first.TimestampCreated - DateTimeOffset.UnixEpoch).TotalMilliseconds).Within(0.001));
        Assert.That(row.GetProperty("intercepted").GetBoolean(), Is.False);
        Assert.That(row.GetProperty("live").GetBoolean(), Is.False);
        Assert.That(row.GetProperty("cold").GetBoolean(), Is.False);
    }

    [Test]
    public async Task OffsetAndLimitPickTheRows()
    {
        for (var i = 0; i < 5; i++)
        {
            await _server.CaptureAsync($"http://example.com/{i}");
        }

        var middle = await WebTestKit.PageAsync(_server, offset: 1, limit: 3);
        Assert.That(middle.GetProperty("offset").GetInt32(), Is.EqualTo(1));
        Assert.That(middle.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("index").GetInt32()), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(middle.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("path").GetString()), Is.EqualTo(new[] { "/1", "/2", "/3" }));

        var none = await WebTestKit.PageAsync(_server, offset: 0, limit: 0);
        Assert.That(none.GetProperty("total").GetInt32(), Is.EqualTo(5));
        Assert.That(none.GetProperty("rows").GetArrayLength(), Is.Zero);

        var past = await WebTestKit.PageAsync(_server, offset: 10, limit: 100);
        Assert.That(past.GetProperty("total").GetInt32(), Is.EqualTo(5));
        Assert.That(past.GetProperty("rows").GetArrayLength(), Is.Zero);

        var tail = await WebTestKit.PageAsync(_server, offset: 4, limit: 1000);
        Assert.That(tail.GetProperty("rows").GetArrayLength(), Is.EqualTo(1));

        using var defaults = await _server.Client.GetAsync("/api/flows");
        var all = await WebTestKit.JsonAsync(defaults);
        Assert.That(all.GetProperty("offset").GetInt32(), Is.EqualTo(0));
        Assert.That(all.GetProperty("rows").GetArrayLength(), Is.EqualTo(5));
    }

    [TestCase("offset=0&limit=1001", 0, 1001)]
    [TestCase("offset=-1&limit=10", -1, 10)]
    [TestCase("offset=0&limit=-1", 0, -1)]
    public async Task AnOutOfRangePageIsRefusedWithTheViewsSentence(string query, int offset, int limit)
    {
        using var response = await _server.Client.GetAsync("/api/flows?" + query);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await WebTestKit.ErrorAsync(response),
            Is.EqualTo($"view.flows.page takes an offset of 0 or more and a limit from 0 to 1000, not {offset} and {limit}."));
    }

    [TestCase("offset=a")]
    [TestCase("limit=1.5")]
    [TestCase("limit=99999999999")]
    public async Task ANonNumberOffsetOrLimitIsRefused(string query)
    {
        using var response = await _server.Client.GetAsync("/api/flows?" + query);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain("offset and limit"));
    }

    [Test]
    public async Task TheViewFilterSetThroughTheOptionsNarrowsThePage()
    {
        await _server.CaptureAsync("http://example.com/a");
        await _server.CaptureAsync("http://other.example/b");
        await _server.CaptureAsync("http://example.com/c");

        await WebTestKit.SetOptionsAsync(_server, """{"view_filter": "~d other.example"}""");

        var page = await WebTestKit.PageAsync(_server);
        Assert.That(page.GetProperty("filter").GetString(), Is.EqualTo("~d other.example"));
        Assert.That(page.GetProperty("total").GetInt32(), Is.EqualTo(1));
        Assert.That(page.GetProperty("storeCount").GetInt32(), Is.EqualTo(3));
        Assert.That(page.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("path").GetString()), Is.EqualTo(new[] { "/b" }));

        using var options = await _server.Client.GetAsync("/api/options");
        var filter = (await WebTestKit.JsonAsync(options)).EnumerateArray().Single(o => o.GetProperty("name").GetString() == "view_filter");
        Assert.That(filter.GetProperty("value").GetString(), Is.EqualTo("~d other.example"));
        Assert.That(filter.GetProperty("default").GetString(), Is.Empty);
        Assert.That(filter.GetProperty("type").GetString(), Is.EqualTo("str"));
    }

    [Test]
    public async Task ABadFilterIsRefusedNamingTheOptionAndThePageIsUnchanged()
    {
        await _server.CaptureAsync("http://example.com/a");
        await _server.CaptureAsync("http://other.example/b");
        await WebTestKit.SetOptionsAsync(_server, """{"view_filter": "~d example.com"}""");
        var before = await WebTestKit.PageAsync(_server);

        using var request = WebTestKit.Json(HttpMethod.Put, "/api/options", """{"view_filter": "~d example.com & (", "view_order_reversed": true}""");
        using var response = await _server.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain("view_filter"));
        var after = await WebTestKit.PageAsync(_server);
        Assert.That(after.ToString(), Is.EqualTo(before.ToString()), "nothing changed, not even the other option");
        Assert.That(after.GetProperty("reversed").GetBoolean(), Is.False);
    }

    [Test]
    public async Task AnUnknownOptionIsRefused()
    {
        using var request = WebTestKit.Json(HttpMethod.Put, "/api/options", """{"no_such_option": "1"}""");
        using var response = await _server.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain("no_such_option"));
    }

    [TestCase("[]")]
    [TestCase("not json")]
    [TestCase("""{"view_filter": {"nested": 1}}""")]
    public async Task OptionsThatAreNotAnObjectOfValuesAreRefused(string body)
    {
        using var request = WebTestKit.Json(HttpMethod.Put, "/api/options", body);
        using var response = await _server.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        await WebTestKit.ErrorAsync(response);
    }

    [Test]
    public async Task OneFlowInFull()
    {
        var flow = await _server.CaptureAsync("https://example.com:8443/a?b=c", status: 201, body: "made", contentType: "text/html");

        using var response = await _server.Client.GetAsync($"/api/flows/{flow.Id}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var json = await WebTestKit.JsonAsync(response);
        Assert.That(json.GetProperty("id").GetString(), Is.EqualTo(flow.Id.ToString()));
        Assert.That(json.GetProperty("type").GetString(), Is.EqualTo("http"));
        Assert.That(json.GetProperty("error").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var request = json.GetProperty("request");
        Assert.That(request.GetProperty("method").GetString(), Is.EqualTo("GET"));
        Assert.That(request.GetProperty("scheme").GetString(), Is.EqualTo("https"));
        Assert.That(request.GetProperty("host").GetString(), Is.EqualTo("example.com"));
        Assert.That(request.GetProperty("port").GetInt32(), Is.EqualTo(8443));
        Assert.That(request.GetProperty("path").GetString(), Is.EqualTo("/a?b=c"));
        Assert.That(request.GetProperty("headers").ToString(), Is.EqualTo("""[["Host","example.com:8443"]]"""));
        var answer = json.GetProperty("response");
        Assert.That(answer.GetProperty("statusCode").GetInt32(), Is.EqualTo(201));
        Assert.That(answer.GetProperty("contentLength").GetInt32(), Is.EqualTo(4));
        Assert.That(answer.GetProperty("contentType").GetString(), Is.EqualTo("text/html"));
        Assert.That(answer.GetProperty("headers").EnumerateArray().Select(h => $"{h[0].GetString()}: {h[1].GetString()}"),
            Is.EquivalentTo(new[] { "Content-Length: 4", "Content-Type: text/html" }));
        Assert.That(answer.GetProperty("timestampEnd").GetDouble() - request.GetProperty("timestampStart").GetDouble(), Is.EqualTo(12).Within(0.001));
    }

    [Test]
    public async Task AnUnknownFlowIsNotFound()
    {
        await _server.CaptureAsync("http://example.com/a");
        var id = Guid.NewGuid();

        using var flow = await _server.Client.GetAsync($"/api/flows/{id}");
        using var body = await _server.Client.GetAsync($"/api/flows/{id}/response/content");

        Assert.That(flow.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await WebTestKit.ErrorAsync(flow), Does.Contain(id.ToString()));
        Assert.That(body.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await WebTestKit.ErrorAsync(body), Does.Contain(id.ToString()));
    }

    private static IEnumerable<TestCaseData> Encodings()
    {
        var plain = Encoding.UTF8.GetBytes(Text);
        yield return new TestCaseData("gzip", Compress(plain, s => new GZipStream(s, CompressionLevel.Optimal))).SetArgDisplayNames("gzip");
        yield return new TestCaseData("deflate", Compress(plain, s => new ZLibStream(s, CompressionLevel.Optimal))).SetArgDisplayNames("deflate (zlib)");
        yield return new TestCaseData("deflate", Compress(plain, s => new DeflateStream(s, CompressionLevel.Optimal))).SetArgDisplayNames("deflate (raw)");
        yield return new TestCaseData("br", Compress(plain, s => new BrotliStream(s, CompressionLevel.Optimal))).SetArgDisplayNames("br");
        using var zstd = new Compressor();
        yield return new TestCaseData("zstd", zstd.Wrap(plain).ToArray()).SetArgDisplayNames("zstd");
        yield return new TestCaseData("identity", plain).SetArgDisplayNames("identity");
    }

    [TestCaseSource(nameof(Encodings))]
    public async Task ABodyIsServedRawOrDecoded(string encoding, byte[] encoded)
    {
        var flow = await WebTestKit.CaptureBodyAsync(_server, encoded, ("Content-Type", "text/plain; charset=utf-8"), ("Content-Encoding", encoding));

        using var raw = await _server.Client.GetAsync($"/api/flows/{flow.Id}/response/content");
        using var decoded = await _server.Client.GetAsync($"/api/flows/{flow.Id}/response/content?decode=true");

        Assert.That(raw.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await raw.Content.ReadAsByteArrayAsync(), Is.EqualTo(encoded), "as stored");
        Assert.That(raw.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/plain; charset=utf-8"));
        Assert.That(raw.Headers.GetValues("X-Content-Encoding"), Is.EqualTo(new[] { encoding }));
        Assert.That(raw.Content.Headers.ContentEncoding, Is.Empty, "the stored bytes are not announced as an encoding the client would undo");
        Assert.That(decoded.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await decoded.Content.ReadAsStringAsync(), Is.EqualTo(Text));
        Assert.That(decoded.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/plain; charset=utf-8"));
    }

    [Test]
    public async Task ARequestBodyIsServedToo()
    {
        var flow = await _server.CaptureAsync("http://example.com/a");
        flow.Request.Content = Encoding.UTF8.GetBytes("{\"q\":1}");
        flow.Request.Headers.Set("Content-Type", "application/json");

        using var response = await _server.Client.GetAsync($"/api/flows/{flow.Id}/request/content");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("{\"q\":1}"));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
    }

    [Test]
    public async Task ABodyWithoutAContentTypeIsOctetStream()
    {
        var flow = await _server.CaptureAsync("http://example.com/a", body: "<script>alert(1)</script>", contentType: null);

        using var response = await _server.Client.GetAsync($"/api/flows/{flow.Id}/response/content");

        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/octet-stream"));
        Assert.That(response.Headers.GetValues("Content-Security-Policy"), Is.EqualTo(new[] { "sandbox" }));
    }

    [TestCase("gzip", TestName = "GarbageAsGzipIs422")]
    [TestCase("br", TestName = "GarbageAsBrIs422")]
    [TestCase("zstd", TestName = "GarbageAsZstdIs422")]
    [TestCase("deflate", TestName = "GarbageAsDeflateIs422")]
    [TestCase("compress", TestName = "AnUnknownEncodingIs422")]
    public async Task ABodyThatDoesNotDecodeIs422WithASentence(string encoding)
    {
        var flow = await WebTestKit.CaptureBodyAsync(_server, [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07], ("Content-Encoding", encoding));

        using var decoded = await _server.Client.GetAsync($"/api/flows/{flow.Id}/response/content?decode=true");
        using var raw = await _server.Client.GetAsync($"/api/flows/{flow.Id}/response/content");

        Assert.That((int)decoded.StatusCode, Is.EqualTo(422), await decoded.Content.ReadAsStringAsync());
        var sentence = await WebTestKit.ErrorAsync(decoded);
        Assert.That(sentence, Does.Contain(flow.Id.ToString()));
        Assert.That(sentence, Does.Contain(encoding));
        Assert.That(raw.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the raw body is still served");
    }

    [Test]
    public async Task AFlowWithoutABodyHasNoContent()
    {
        var flow = await _server.CaptureAsync("http://example.com/a");
        var requestOnly = new Abstractions.Flows.HttpFlow
        {
            Id = Guid.NewGuid(),
            TimestampCreated = DateTimeOffset.UtcNow,
            Request = new Abstractions.Flows.HttpRequest
            {
                Method = "GET", Scheme = "http", Host = "example.com", Port = 80, Path = "/pending",
                Headers = new Abstractions.Flows.HttpHeaders(("Host", "example.com")),
            },
        };
        await _server.Host.CycleAsync(requestOnly);

        using var noRequestBody = await _server.Client.GetAsync($"/api/flows/{flow.Id}/request/content");
        using var noResponse = await _server.Client.GetAsync($"/api/flows/{requestOnly.Id}/response/content?decode=true");
        using var noSuchSide = await _server.Client.GetAsync($"/api/flows/{flow.Id}/trailer/content");

        Assert.That(noRequestBody.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await WebTestKit.ErrorAsync(noRequestBody), Does.Contain("request"));
        Assert.That(noResponse.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await WebTestKit.ErrorAsync(noResponse), Does.Contain("response"));
        Assert.That(noSuchSide.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        await WebTestKit.ErrorAsync(noSuchSide);
    }

    [Test]
    public async Task TheCommandsAreListedWithTheirParameters()
    {
        using var response = await _server.Client.GetAsync("/api/commands");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var commands = (await WebTestKit.JsonAsync(response)).EnumerateArray().ToList();
        var page = commands.Single(c => c.GetProperty("name").GetString() == "view.flows.page");
        Assert.That(page.GetProperty("help").GetString(), Does.StartWith("The rows at these positions of the view"));
        Assert.That(page.GetProperty("parameters").EnumerateArray().Select(p => $"{p.GetProperty("name").GetString()}:{p.GetProperty("type").GetString()}"),
            Is.EqualTo(new[] { "offset:int", "limit:int" }));
        Assert.That(page.GetProperty("returnType").GetString(), Is.EqualTo("ViewPage"));
        var mark = commands.Single(c => c.GetProperty("name").GetString() == "flow.mark");
        Assert.That(mark.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("type").GetString()), Is.EqualTo(new[] { "flow[]", "str" }));
        Assert.That(commands.Select(c => c.GetProperty("name").GetString()), Is.Ordered.Using((IComparer<string?>)StringComparer.Ordinal));
    }

    [Test]
    public async Task ACommandRunsWithItsArgumentsAsText()
    {
        await _server.CaptureAsync("http://example.com/a");
        await _server.CaptureAsync("http://example.com/b");

        using var response = await WebTestKit.CommandAsync(_server, "flow.mark", """{"arguments": ["@all", ":grapes:"]}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That((await WebTestKit.JsonAsync(response)).TryGetProperty("result", out _), Is.True);
        var page = await WebTestKit.PageAsync(_server);
        Assert.That(page.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("marked").GetString()), Is.EqualTo(new[] { ":grapes:", ":grapes:" }));
    }

    [Test]
    public async Task ACommandsResultIsJsonFlowsAsTheFlowEndpointWritesThem()
    {
        var flow = await _server.CaptureAsync("http://example.com/a");

        using var count = await WebTestKit.CommandAsync(_server, "view.properties.length", """{"arguments": []}""");
        using var page = await WebTestKit.CommandAsync(_server, "view.flows.page", """{"arguments": [0, 10]}""");
        using var resolved = await WebTestKit.CommandAsync(_server, "view.flows.resolve", """{"arguments": ["@all"]}""");

        Assert.That((await WebTestKit.JsonAsync(count)).GetProperty("result").GetInt32(), Is.EqualTo(1));
        Assert.That((await WebTestKit.JsonAsync(page)).GetProperty("result").GetProperty("rows")[0].GetProperty("id").GetString(), Is.EqualTo(flow.Id.ToString()));
        var flows = (await WebTestKit.JsonAsync(resolved)).GetProperty("result");
        Assert.That(flows.GetArrayLength(), Is.EqualTo(1));
        Assert.That(flows[0].GetProperty("request").GetProperty("path").GetString(), Is.EqualTo("/a"));
    }

    [Test]
    public async Task AnUnknownCommandIsNotFound()
    {
        using var response = await WebTestKit.CommandAsync(_server, "no.such.command", """{"arguments": []}""");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain("no.such.command"));
    }

    [TestCase("flow.mark", """{"arguments": ["@all"]}""", TestName = "TooFewArgumentsAre400")]
    [TestCase("flow.mark", """{"arguments": ["@all", "not a marker!"]}""", TestName = "AnInvalidMarkerIs400")]
    [TestCase("view.flows.page", """{"arguments": ["a", "b"]}""", TestName = "ANonNumberIs400")]
    [TestCase("view.flows.page", """{"arguments": [0, 10, 3]}""", TestName = "TooManyArgumentsAre400")]
    public async Task WrongArgumentsAre400NamingTheCommand(string command, string body)
    {
        using var response = await WebTestKit.CommandAsync(_server, command, body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain(command));
    }

    [TestCase("")]
    [TestCase("not json")]
    [TestCase("""["@all", ":grapes:"]""")]
    [TestCase("""{"args": ["@all", ":grapes:"]}""")]
    [TestCase("""{"arguments": "@all"}""")]
    [TestCase("""{"arguments": ["@all", {"marker": ":grapes:"}]}""")]
    [TestCase("""{"arguments": ["@all", null]}""")]
    public async Task ABodyThatIsNotAnArgumentsListIs400(string body)
    {
        await _server.CaptureAsync("http://example.com/a");

        using var response = await WebTestKit.CommandAsync(_server, "flow.mark", body);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain("arguments"));
        var page = await WebTestKit.PageAsync(_server);
        Assert.That(page.GetProperty("rows")[0].GetProperty("marked").GetString(), Is.Empty, "nothing ran");
    }

    [Test]
    public async Task AnUploadedHarLoadsItsFlowsIntoTheView()
    {
        await _server.CaptureAsync("http://example.com/a");

        using var response = await Upload("x.har", Encoding.UTF8.GetBytes(Har));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var answer = await WebTestKit.JsonAsync(response);
        Assert.That(answer.GetProperty("loaded").GetInt32(), Is.EqualTo(1));
        Assert.That(answer.GetProperty("error").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(answer.GetProperty("skipped").GetArrayLength(), Is.Zero);
        var page = await WebTestKit.PageAsync(_server);
        Assert.That(page.GetProperty("total").GetInt32(), Is.EqualTo(2));
        var row = page.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("host").GetString() == "har.example");
        Assert.That(row.GetProperty("method").GetString(), Is.EqualTo("POST"));
        Assert.That(row.GetProperty("path").GetString(), Is.EqualTo("/from-har?x=1"));
        Assert.That(row.GetProperty("status").GetInt32(), Is.EqualTo(201));
        Assert.That(row.GetProperty("size").GetInt64(), Is.EqualTo(9));

        using var body = await _server.Client.GetAsync($"/api/flows/{row.GetProperty("id").GetString()}/response/content");
        Assert.That(await body.Content.ReadAsStringAsync(), Is.EqualTo("hello"));

        // Loaded as copies with new ids: the same file twice shows twice.
        using var again = await Upload("x.har", Encoding.UTF8.GetBytes(Har));
        Assert.That((await WebTestKit.JsonAsync(again)).GetProperty("loaded").GetInt32(), Is.EqualTo(1));
        Assert.That((await WebTestKit.PageAsync(_server)).GetProperty("total").GetInt32(), Is.EqualTo(3));
    }

    [TestCase("this is not a flow file")]
    [TestCase("{\"log\": {\"entries\": []}}")]
    [TestCase("")]
    public async Task AnUploadThatIsNoFlowFileIs400NamingTheFile(string content)
    {
        using var response = await Upload("x.har", Encoding.UTF8.GetBytes(content));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        var sentence = await WebTestKit.ErrorAsync(response);
        Assert.That(sentence, Does.Contain("x.har"));
        Assert.That(sentence, Does.Not.Contain("addons-web-"), "the server's temporary folder stays out of the sentence");
        Assert.That((await WebTestKit.PageAsync(_server)).GetProperty("total").GetInt32(), Is.Zero);
    }

    [Test]
    public async Task AnUploadNameCannotLeaveTheTemporaryFolder()
    {
        using var response = await Upload("../../x.har", Encoding.UTF8.GetBytes(Har));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That((await WebTestKit.JsonAsync(response)).GetProperty("loaded").GetInt32(), Is.EqualTo(1));
    }

    [TestCase("")]
    [TestCase("?format=har&flows=@all")]
    public async Task DownloadWithoutTheHostsSaveFileCommandIs503(string query)
    {
        await _server.CaptureAsync("http://example.com/a");
        Assert.That(_server.Host.Commands.Find("save.file"), Is.Null, "the kit's host has no save.file");

        using var response = await _server.Client.GetAsync("/api/flows/download" + query);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain("save.file"));
    }

    [Test]
    public async Task DownloadInAnUnknownFormatIs400()
    {
        using var response = await _server.Client.GetAsync("/api/flows/download?format=pcap");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain("pcap"));
    }

    private async Task<HttpResponseMessage> Upload(string name, byte[] content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/flows/upload?name=" + Uri.EscapeDataString(name)) { Content = new ByteArrayContent(content) };
        request.Headers.Add(WebGuard.CsrfHeader, WebGuard.CsrfValue);
        return await _server.Client.SendAsync(request);
    }

    private static byte[] Compress(byte[] plain, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output))
        {
            stream.Write(plain);
        }

        return output.ToArray();
    }
}
