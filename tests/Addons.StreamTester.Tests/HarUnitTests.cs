using Addons.Abstractions.Interop;
using Addons.Host.Dump;
using Addons.Host.Filters;
using Addons.Host.Interop;

namespace Addons.StreamTester.Tests;

public sealed class HarUnitTests
{
    private const string Har = """
        { "log": { "version": "1.2", "creator": { "name": "Firefox", "version": "128" }, "entries": [
          { "startedDateTime": "2026-11-26T10:00:00.000Z", "time": 42,
            "request": { "method": "GET", "url": "https://example.com/index.html?x=1", "httpVersion": "HTTP/2",
              "headers": [ { "name": ":authority", "value": "example.com" }, { "name": "Accept", "value": "text/html" }, { "name": "accept", "value": "*/*" } ] },
            "response": { "status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
              "headers": [ { "name": "Content-Type", "value": "text/html" } ],
              "content": { "size": 11, "mimeType": "text/html", "text": "hello world" } } },
          { "startedDateTime": "2026-11-26T10:00:01.000Z", "time": 5,
            "request": { "method": "POST", "url": "http://api.example.com:8080/upload", "httpVersion": "1.1",
              "headers": [], "postData": { "mimeType": "application/octet-stream", "text": "AAEC/w==", "encoding": "base64" } },
            "response": { "status": 0, "statusText": "", "headers": [], "content": { "size": 0 } } }
        ] } }
        """;

    // The host's flow files, as the stream tester's loader hands them out.
    private static readonly IFlowFiles Files = new FlowFileFormats().For("streamtester");

    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("streamtester-har-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void The_first_entry_becomes_the_unit_flow_with_its_request_response_and_headers_in_order()
    {
        var flow = HarUnit.Read(Files, File("capture.har", Har), filter: null);

        Assert.Multiple(() =>
        {
            Assert.That(flow.Request.Method, Is.EqualTo("GET"));
            Assert.That(flow.Request.Scheme, Is.EqualTo("https"));
            Assert.That(flow.Request.Host, Is.EqualTo("example.com"));
            Assert.That(flow.Request.Port, Is.EqualTo(443));
            Assert.That(flow.Request.Path, Is.EqualTo("/index.html?x=1"));
            Assert.That(flow.Request.HttpVersion, Is.EqualTo("HTTP/2.0"), "a HAR's HTTP/2 is a flow's HTTP/2.0, as mitmproxy names it");
            Assert.That(flow.Request.Headers.Select(h => $"{h.Name}: {h.Value}"), Is.EqualTo(new[] { "Accept: text/html", "accept: */*" }), "order and case kept, pseudo-headers left out");
            Assert.That(flow.Response!.StatusCode, Is.EqualTo(200));
            Assert.That(flow.Response.Content, Is.EqualTo("hello world"u8.ToArray()));
            Assert.That(flow.TimestampCreated, Is.EqualTo(new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero)));
            Assert.That(flow.Response.TimestampEnd, Is.EqualTo(flow.TimestampCreated.AddMilliseconds(42)));
        });
    }

    [Test]
    public void A_filter_chooses_the_entry_and_base64_bodies_are_decoded_and_a_status_0_has_no_response()
    {
        var flow = HarUnit.Read(Files, File("capture.har", Har), FlowFilter.Parse("~m POST"));

        Assert.That(flow.Request.Url, Is.EqualTo("http://api.example.com:8080/upload"));
        Assert.That(flow.Request.HttpVersion, Is.EqualTo("HTTP/1.1"));
        Assert.That(flow.Request.Content, Is.EqualTo(new byte[] { 0, 1, 2, 255 }));
        Assert.That(flow.Response, Is.Null, "DevTools writes status 0 for a request that got no response");
    }

    [TestCase("{ \"log\": ", "is not valid HAR after 0 entries: invalid JSON at byte 9 (line 1).")]
    [TestCase("{ \"entries\": [] }", "is not HAR: it has no log.entries array.")]
    [TestCase("{ \"log\": { \"entries\": [] } }", "has no entries.")]
    [TestCase("{ \"log\": { \"entries\": [ { \"startedDateTime\": \"2026-11-26T10:00:00Z\", \"request\": { \"method\": \"GET\" } } ] } }", ", entry 0: request.url is missing.")]
    [TestCase("{ \"log\": { \"entries\": [ { \"startedDateTime\": \"2026-11-26T10:00:00Z\", \"request\": { \"method\": \"GET\", \"url\": \"ftp://x/y\" } } ] } }", ", entry 0: request.url 'ftp://x/y' is not an http:// or https:// URL.")]
    [TestCase("{ \"log\": { \"entries\": [ { \"request\": { \"method\": \"GET\", \"url\": \"http://x/y\" } } ] } }", ", entry 0: startedDateTime is missing or not a date.")]
    public void A_bad_file_is_one_sentence_naming_the_file_and_entry(string text, string tail)
    {
        var path = File("bad.har", text);

        var error = Assert.Throws<FormatException>(() => HarUnit.Read(Files, path, filter: null));

        Assert.That(error!.Message, Is.EqualTo($"Flow file {path}{(tail.StartsWith(',') ? "" : " ")}{tail}"));
    }

    [Test]
    public void A_mitmproxy_flow_file_gives_its_unit_flow_too()
    {
        var flows = HarFile.Read(System.Text.Encoding.UTF8.GetBytes(Har), "capture.har").ToList();
        var path = Path.Combine(_folder, "capture.mitm");
        using (var stream = System.IO.File.Create(path))
        {
            MitmproxyFlowFile.Write(stream, flows);
        }

        var unit = HarUnit.Read(Files, path, FlowFilter.Parse("~m POST"));

        Assert.That(unit.Id, Is.EqualTo(flows[1].Id));
        Assert.That(unit.Request.Content, Is.EqualTo(new byte[] { 0, 1, 2, 255 }));
    }

    [Test]
    public void No_matching_entry_and_a_missing_file_are_said_with_the_file_name()
    {
        var path = File("capture.har", Har);

        Assert.That(Assert.Throws<FormatException>(() => HarUnit.Read(Files, path, FlowFilter.Parse("~m DELETE")))!.Message,
            Is.EqualTo($"Flow file {path}: none of its 2 flows matches the filter."));
        var missing = Path.Combine(_folder, "missing.har");
        Assert.That(Assert.Throws<FormatException>(() => HarUnit.Read(Files, missing, null))!.Message, Does.StartWith($"Flow file {missing} cannot be read: "));
    }

    private string File(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }
}
