using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;

namespace Addons.Web.Tests;

/// <summary>The guard in front of every endpoint: the token, the Host header, CSRF, the WebSocket's origin, and the security headers.</summary>
public sealed class AuthTests
{
    private const string Flow = "{flow}";

    private static readonly (string Method, string Path)[] Endpoints =
    [
        ("GET", "/"),
        ("GET", "/app.js"),
        ("GET", "/api/flows"),
        ("GET", "/api/flows/" + Flow),
        ("GET", "/api/flows/" + Flow + "/request/content"),
        ("GET", "/api/flows/download"),
        ("POST", "/api/flows/upload"),
        ("GET", "/api/commands"),
        ("POST", "/api/commands/x"),
        ("GET", "/api/options"),
        ("PUT", "/api/options"),
        ("GET", "/updates"),
    ];

    private WebServer _server = null!;
    private Guid _flowId;

    private static IEnumerable<TestCaseData> EveryEndpoint() =>
        Endpoints.Select(e => new TestCaseData(e.Method, e.Path).SetArgDisplayNames(e.Method, e.Path));

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await WebServer.StartAsync();
        var flow = await _server.CaptureAsync("http://example.com/secret", body: "secret body");
        _flowId = flow.Id;
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [TestCaseSource(nameof(EveryEndpoint))]
    public async Task EveryEndpointRefusesARequestWithoutTheToken(string method, string path)
    {
        using var response = await _server.Anonymous.SendAsync(Request(method, path));

        await AssertUnauthorizedAsync(response, path);
    }

    [TestCaseSource(nameof(EveryEndpoint))]
    public async Task EveryEndpointRefusesAWrongToken(string method, string path)
    {
        using var request = Request(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token + "x");

        using var response = await _server.Anonymous.SendAsync(request);

        await AssertUnauthorizedAsync(response, path);
    }

    [TestCaseSource(nameof(EveryEndpoint))]
    public async Task EveryEndpointAnswersWithTheToken(string method, string path)
    {
        // The counterpart of the refusals: the same request with the token passes the guard (whatever the endpoint then says).
        using var response = await _server.Client.SendAsync(Request(method, path));

        Assert.That(response.StatusCode, Is.Not.EqualTo(HttpStatusCode.Unauthorized).And.Not.EqualTo(HttpStatusCode.Forbidden), await response.Content.ReadAsStringAsync());
    }

    [TestCase("wrong")]
    [TestCase("")]
    public async Task AWrongTokenInTheQueryOrTheCookieIsRefused(string token)
    {
        using (var response = await _server.Anonymous.GetAsync("/api/flows?token=" + token))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/flows");
        request.Headers.Add("Cookie", $"{WebGuard.CookieName(_server.Address.Port)}={token}");
        using var withCookie = await _server.Anonymous.SendAsync(request);
        Assert.That(withCookie.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task TheTokenAsAnotherSchemeThanBearerIsRefused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/flows");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", _server.Token);

        using var response = await _server.Anonymous.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task TheFirstVisitTradesTheTokenForAnHttpOnlyStrictCookieAndRedirectsToThePage()
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = _server.Address };

        using (var first = await browser.GetAsync("/?token=" + Uri.EscapeDataString(_server.Token)))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.SeeOther));
            Assert.That(first.Headers.Location?.OriginalString, Is.EqualTo("/"));
            var setCookie = first.Headers.GetValues("Set-Cookie").Single();
            var name = $"addons-web-token-{_server.Address.Port}";
            Assert.That(setCookie, Does.StartWith($"{name}="));
            Assert.That(setCookie, Does.Contain("httponly").IgnoreCase);
            Assert.That(setCookie, Does.Contain("samesite=strict").IgnoreCase);
            Assert.That(setCookie, Does.Contain("path=/").IgnoreCase);
            Assert.That(cookies.GetCookies(_server.Address)[name]?.HttpOnly, Is.True);
        }

        // The cookie alone (no bearer, no query) now opens the page and the API.
        Assert.That(browser.DefaultRequestHeaders.Authorization, Is.Null);
        using (var page = await browser.GetAsync("/"))
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(page.Headers.Contains("Set-Cookie"), Is.False, "the page itself sets no cookie again");
        }

        using var flows = await browser.GetAsync("/api/flows");
        Assert.That(flows.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await WebTestKit.JsonAsync(flows)).GetProperty("total").GetInt32(), Is.EqualTo(1));
    }

    [Test]
    public async Task TheTokenInTheQueryOpensTheApi()
    {
        using var response = await _server.Anonymous.GetAsync($"/api/flows/{_flowId}?token=" + Uri.EscapeDataString(_server.Token));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await WebTestKit.JsonAsync(response)).GetProperty("id").GetString(), Is.EqualTo(_flowId.ToString()));
    }

    [TestCase("evil.example")]
    [TestCase("evil.example:{port}")]
    [TestCase("localhost.evil.example:{port}")]
    public async Task AHostHeaderNamingAnotherServerIsRefusedEvenWithTheToken(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/flows");
        request.Headers.Host = host.Replace("{port}", _server.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        using var response = await _server.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain("Host"));
    }

    [TestCase("localhost")]
    [TestCase("127.0.0.1")]
    [TestCase("LOCALHOST")]
    public async Task TheLoopbackNamesAreAccepted(string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/flows");
        request.Headers.Host = $"{name}:{_server.Address.Port}";

        using var response = await _server.Client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task AChangeWithoutTheCsrfHeaderIsRefused()
    {
        using (var put = new HttpRequestMessage(HttpMethod.Put, "/api/options") { Content = new StringContent("{}", Encoding.UTF8, "application/json") })
        using (var response = await _server.Client.SendAsync(put))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain(WebGuard.CsrfHeader));
        }

        using (var post = new HttpRequestMessage(HttpMethod.Post, "/api/commands/flow.mark") { Content = new StringContent("""{"arguments": ["@all", ":grapes:"]}""") })
        using (var response = await _server.Client.SendAsync(post))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        }

        var page = await WebTestKit.PageAsync(_server);
        Assert.That(page.GetProperty("rows")[0].GetProperty("marked").GetString(), Is.Empty, "the refused command did not run");
    }

    [Test]
    public async Task TheCsrfHeaderWithAWrongValueIsRefused()
    {
        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/options") { Content = new StringContent("{}") };
        put.Headers.Add(WebGuard.CsrfHeader, "XMLHttpRequest");

        using var response = await _server.Client.SendAsync(put);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [TestCase("http://evil.example")]
    [TestCase("http://127.0.0.1")]
    [TestCase("null")]
    public async Task AChangeFromAForeignOriginIsRefusedEvenWithTheCsrfHeader(string origin)
    {
        using var put = WebTestKit.Json(HttpMethod.Put, "/api/options", """{"view_filter": "~d example.com"}""");
        put.Headers.Add("Origin", origin);

        using var response = await _server.Client.SendAsync(put);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain(origin));
        Assert.That((await WebTestKit.PageAsync(_server)).GetProperty("filter").GetString(), Is.Empty, "the refused change did not happen");
    }

    [Test]
    public async Task AChangeWithTheCsrfHeaderFromTheServersOwnOriginWorks()
    {
        var origin = _server.Address.GetLeftPart(UriPartial.Authority);
        using var put = WebTestKit.Json(HttpMethod.Put, "/api/options", """{"focus_follow": false}""");
        put.Headers.Add("Origin", origin);

        using var response = await _server.Client.SendAsync(put);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        Assert.That((await WebTestKit.JsonAsync(response)).ToString(), Is.EqualTo("{}"));

        using var post = WebTestKit.Json(HttpMethod.Post, "/api/commands/view.properties.length", """{"arguments": []}""");
        post.Headers.Add("Origin", origin);
        using var command = await _server.Client.SendAsync(post);
        Assert.That(command.StatusCode, Is.EqualTo(HttpStatusCode.OK), await command.Content.ReadAsStringAsync());
        Assert.That((await WebTestKit.JsonAsync(command)).GetProperty("result").GetInt32(), Is.EqualTo(1));
    }

    [Test]
    public async Task TheWebSocketWithoutTheTokenIsRefused()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThatAsync(() => socket.ConnectAsync(WebTestKit.UpdatesUri(_server), CancellationToken.None), Throws.InstanceOf<WebSocketException>());
        Assert.That(socket.HttpStatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task TheWebSocketWithAWrongTokenIsRefused()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + _server.Token + "x");
        var uri = new UriBuilder(WebTestKit.UpdatesUri(_server)) { Query = "token=wrong" }.Uri;

        await Assert.ThatAsync(() => socket.ConnectAsync(uri, CancellationToken.None), Throws.InstanceOf<WebSocketException>());
        Assert.That(socket.HttpStatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task TheWebSocketFromAForeignOriginIsRefusedEvenWithTheToken()
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Authorization", "Bearer " + _server.Token);
        socket.Options.SetRequestHeader("Origin", "http://evil.example");

        await Assert.ThatAsync(() => socket.ConnectAsync(WebTestKit.UpdatesUri(_server), CancellationToken.None), Throws.InstanceOf<WebSocketException>());
        Assert.That(socket.HttpStatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task TheWebSocketWithTheTokenInTheQueryAndItsOwnOriginOpens()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", _server.Address.GetLeftPart(UriPartial.Authority));
        var uri = new UriBuilder(WebTestKit.UpdatesUri(_server)) { Query = "token=" + Uri.EscapeDataString(_server.Token) }.Uri;
        using var timeout = new CancellationTokenSource(WebTestKit.Deadline);

        await socket.ConnectAsync(uri, timeout.Token);

        Assert.That(socket.State, Is.EqualTo(WebSocketState.Open));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
    }

    [Test]
    public async Task EveryAnswerCarriesTheSecurityHeaders()
    {
        using var refused = await _server.Anonymous.GetAsync("/api/flows");
        using var page = await _server.Client.GetAsync("/");
        using var api = await _server.Client.GetAsync("/api/flows");

        foreach (var response in new[] { refused, page, api })
        {
            var what = response.RequestMessage!.RequestUri + " " + (int)response.StatusCode;
            Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }), what);
            Assert.That(response.Headers.GetValues("X-Frame-Options"), Is.EqualTo(new[] { "DENY" }), what);
        }
    }

    [TestCase("/")]
    [TestCase("/app.js")]
    public async Task ThePageIsServedWithAContentSecurityPolicy(string path)
    {
        using var response = await _server.Client.GetAsync(path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var policy = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.That(policy, Does.Contain("default-src 'self'"));
        Assert.That(policy, Does.Contain("frame-ancestors 'none'"));
    }

    [TestCase("")]
    [TestCase("?decode=true")]
    public async Task ACapturedBodyIsServedSandboxed(string query)
    {
        using var response = await _server.Client.GetAsync($"/api/flows/{_flowId}/response/content{query}");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsStringAsync(), Is.EqualTo("secret body"));
        Assert.That(response.Headers.GetValues("Content-Security-Policy"), Is.EqualTo(new[] { "sandbox" }));
        Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
    }

    private HttpRequestMessage Request(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path.Replace(Flow, _flowId.ToString(), StringComparison.Ordinal));
        if (method != "GET")
        {
            // Only the token is missing: the CSRF header is there, so a refusal is the token's.
            request.Headers.Add(WebGuard.CsrfHeader, WebGuard.CsrfValue);
            request.Content = new StringContent(path.EndsWith("/upload", StringComparison.Ordinal) ? "garbage" : "{}", Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, string path)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        if (path.StartsWith("/api", StringComparison.Ordinal) || path.StartsWith("/updates", StringComparison.Ordinal))
        {
            Assert.That(await WebTestKit.ErrorAsync(response), Does.Contain("token"));
        }
        else
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.That(text, Does.Contain("token"));
            Assert.That(text, Does.Not.Contain("<script"), "the page itself is not served");
        }
    }
}
