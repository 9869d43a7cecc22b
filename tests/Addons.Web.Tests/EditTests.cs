using System.Net;
using System.Text.Json;
using Addons.Abstractions.Flows;

namespace Addons.Web.Tests;

/// <summary>PUT /api/flows/{id} and POST /api/flows/{id}/revert: only a held flow changes, a bad field changes nothing.</summary>
public sealed class EditTests
{
    private WebServer _server = null!;

    [SetUp]
    public async Task StartAsync() => _server = await WebServer.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task AHeldRequestIsEditedAndRevertedAndTheAnswerSaysModified()
    {
        var flow = await _server.CaptureAsync("http://example.com/a");
        flow.Intercept();

        var edited = await SendAsync(HttpMethod.Put, flow, """{"request": {"method": "post", "path": "/b?c=d", "headers": [["Host", "example.com"], ["X-New", "1"]], "content": "hello"}}""");
        Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK), await edited.Content.ReadAsStringAsync());
        var json = await WebTestKit.JsonAsync(edited);
        Assert.That(json.GetProperty("modified").GetBoolean(), Is.True);
        Assert.That(flow.Request.Method, Is.EqualTo("POST"));
        Assert.That(flow.Request.Path, Is.EqualTo("/b?c=d"));
        Assert.That(flow.Request.Headers["X-New"], Is.EqualTo("1"));
        Assert.That(flow.Request.Content, Is.EqualTo("hello"u8.ToArray()));

        var reverted = await SendAsync(HttpMethod.Post, flow, null, "/revert");
        Assert.That(reverted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await reverted.Content.ReadAsStringAsync());
        Assert.That(flow.Request.Method, Is.EqualTo("GET"));
        Assert.That(flow.Request.Path, Is.EqualTo("/a"));
        Assert.That(flow.Request.Headers.Contains("X-New"), Is.False);
        Assert.That((await WebTestKit.JsonAsync(reverted)).GetProperty("modified").GetBoolean(), Is.False);
        flow.Resume();
    }

    [Test]
    public async Task ClearingTheViewForgetsTheOriginalsOfEditedFlows()
    {
        var kept = await _server.CaptureAsync("http://example.com/kept");
        var cleared = await _server.CaptureAsync("http://example.com/cleared");
        kept.Intercept();
        cleared.Intercept();
        kept.Marked = ":default:";
        foreach (var flow in new[] { kept, cleared })
        {
            using var edited = await SendAsync(HttpMethod.Put, flow, """{"request": {"method": "post"}}""");
            Assert.That(edited.StatusCode, Is.EqualTo(HttpStatusCode.OK), await edited.Content.ReadAsStringAsync());
        }

        await _server.Host.CommandAsync("view.clear_unmarked");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_server.Web.Edits.IsModified(cleared.Id) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Multiple(() =>
        {
            Assert.That(_server.Web.Edits.IsModified(cleared.Id), Is.False, "the flow left the store with the clear: its original goes");
            Assert.That(_server.Web.Edits.IsModified(kept.Id), Is.True, "the marked flow stays, with its original");
        });
        kept.Resume();
    }

    [Test]
    public async Task AFlowThatIsNotHeldIsNotChanged()
    {
        var flow = await _server.CaptureAsync("http://example.com/a");
        var answer = await SendAsync(HttpMethod.Put, flow, """{"request": {"method": "POST"}}""");
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That(await WebTestKit.ErrorAsync(answer), Does.Contain("is not held"));
        Assert.That(flow.Request.Method, Is.EqualTo("GET"));
    }

    [TestCase("""{"request": {"method": "POST", "port": 0}}""", "request: port must be a number from 1 to 65535.")]
    [TestCase("""{"request": {"headers": [["Bad Name", "x"]]}}""", "request: header 1 has a name that is not valid in HTTP: \"Bad Name\".")]
    [TestCase("""{"request": {"headers": [["X", "a\r\nInjected: 1"]]}}""", "request: header 1 (X) has a line break in its value.")]
    [TestCase("""{"response": {"statusCode": 99}}""", "response: statusCode must be a number from 100 to 999.")]
    [TestCase("""{"request": {"nope": 1}}""", "request: request.nope cannot be edited; send method, scheme, host, port, path, authority, httpVersion, headers or content.")]
    [TestCase("""[1]""", "The body must be a JSON object such as {\"request\": {\"method\": \"POST\"}} or {\"response\": {\"statusCode\": 404}}.")]
    public async Task ABadFieldIsOneSentenceAndChangesNothing(string body, string sentence)
    {
        var flow = await _server.CaptureAsync("http://example.com/a");
        flow.Intercept();
        var answer = await SendAsync(HttpMethod.Put, flow, body);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await WebTestKit.ErrorAsync(answer), Is.EqualTo(sentence));
        Assert.That(flow.Request.Method, Is.EqualTo("GET"), "the valid field before the bad one was not applied either");
        Assert.That(flow.Request.Port, Is.EqualTo(80));
        flow.Resume();
    }

    [Test]
    public async Task RevertWithoutEditsIsRefused()
    {
        var flow = await _server.CaptureAsync("http://example.com/a");
        flow.Intercept();
        var answer = await SendAsync(HttpMethod.Post, flow, null, "/revert");
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await WebTestKit.ErrorAsync(answer), Is.EqualTo($"Flow {flow.Id} has no edits to revert."));
        flow.Resume();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, HttpFlow flow, string? body, string suffix = "")
    {
        using var request = new HttpRequestMessage(method, $"/api/flows/{flow.Id}{suffix}");
        request.Headers.Add("X-Requested-With", "addons-web");
        if (body is not null)
        {
            request.Content = new StringContent(body);
        }

        return await _server.Client.SendAsync(request);
    }
}
