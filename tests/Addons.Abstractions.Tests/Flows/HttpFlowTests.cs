using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Tests.Flows;

public sealed class HttpFlowTests
{
    [Test]
    public void CopyIsDeepWithANewIdAndNotLive()
    {
        var flow = new HttpFlow { Live = true, Marked = ":star:", Comment = "c" };
        flow.Request.Headers.Add("A", "1");
        flow.Request.Content = [1, 2];
        flow.Response = HttpResponse.Create(201, "made");
        flow.Metadata["k"] = "v";
        flow.WebSocket = new WebSocketData { Messages = [new WebSocketMessage { Content = [9] }] };

        var copy = flow.Copy();
        copy.Request.Headers.Add("B", "2");
        copy.Request.Content![0] = 7;
        copy.Response!.StatusCode = 500;
        copy.Metadata["k"] = "changed";
        copy.WebSocket!.Messages[0].Content[0] = 0;

        Assert.Multiple(() =>
        {
            Assert.That(copy.Id, Is.Not.EqualTo(flow.Id));
            Assert.That(copy.Live, Is.False);
            Assert.That(copy.Marked, Is.EqualTo(":star:"));
            Assert.That(copy.TimestampCreated, Is.EqualTo(flow.TimestampCreated));
            Assert.That(flow.Request.Headers, Has.Count.EqualTo(1));
            Assert.That(flow.Request.Content, Is.EqualTo(new byte[] { 1, 2 }));
            Assert.That(flow.Response.StatusCode, Is.EqualTo(201));
            Assert.That(flow.Metadata["k"], Is.EqualTo("v"));
            Assert.That(flow.WebSocket.Messages[0].Content, Is.EqualTo(new byte[] { 9 }));
        });
    }

    [Test]
    public void KillEndsTheFlowWithTheKillError()
    {
        var flow = new HttpFlow { Live = true };
        Assert.That(flow.Killable, Is.True);

        flow.Kill();

        Assert.That(flow.IsKilled, Is.True);
        Assert.That(flow.Error!.Message, Is.EqualTo("Connection killed."));
        Assert.That(flow.Killable, Is.False);
    }

    [Test]
    public async Task AnInterceptedFlowWaitsUntilResumed()
    {
        var flow = new HttpFlow();
        Assert.That(flow.WaitForResumeAsync().IsCompleted, Is.True);

        flow.Intercept();
        var waiting = flow.WaitForResumeAsync();
        Assert.That(flow.Intercepted, Is.True);
        Assert.That(waiting.IsCompleted, Is.False);

        flow.Resume();
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(flow.Intercepted, Is.False);
    }

    [TestCase("http", "example.com", 80, "/a?b=1", "http://example.com/a?b=1")]
    [TestCase("https", "example.com", 443, "/", "https://example.com/")]
    [TestCase("https", "example.com", 8443, "/x", "https://example.com:8443/x")]
    [TestCase("http", "::1", 8080, "/", "http://[::1]:8080/")]
    public void UrlLeavesOutTheDefaultPort(string scheme, string host, int port, string path, string expected)
    {
        var request = new HttpRequest { Scheme = scheme, Host = host, Port = port, Path = path };

        Assert.That(request.Url, Is.EqualTo(expected));
    }

    [TestCase("example.com:8080", "", "10.0.0.1", "example.com")]
    [TestCase(null, "example.org:443", "10.0.0.1", "example.org")]
    [TestCase(null, "", "10.0.0.1", "10.0.0.1")]
    [TestCase("[::1]:8080", "", "::1", "[::1]")]
    public void PrettyHostPrefersTheHostHeader(string? hostHeader, string authority, string host, string expected)
    {
        var request = new HttpRequest { Authority = authority, Host = host };
        if (hostHeader is not null)
        {
            request.Headers.Add("Host", hostHeader);
        }

        Assert.That(request.PrettyHost, Is.EqualTo(expected));
    }

    [Test]
    public void ACreatedResponseIsComplete()
    {
        var response = HttpResponse.Create(404, "nope", ("Content-Type", "text/plain"));

        Assert.That(response.Reason, Is.EqualTo("Not Found"));
        Assert.That(response.Headers.Select(h => h.Name), Is.EqualTo(new[] { "Content-Type", "Content-Length" }));
        Assert.That(response.Headers["content-length"], Is.EqualTo("4"));
        Assert.That(response.TimestampEnd, Is.Not.Null);
    }
}
