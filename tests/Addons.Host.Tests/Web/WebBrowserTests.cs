using System.Net;
using System.Text.RegularExpressions;
using Addons.Host.Tests.Infrastructure;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Addons.Host.Tests.Web;

/// <summary>
/// The shipped host with its shipped plugins, the web interface opened in Debian's headless Chromium through Debian's
/// chromedriver: flows sent through the proxy appear live, and the filter, the order, the detail and marks work from
/// the page. Chromium's own background traffic is sent to a proxy port nobody listens on, so nothing leaves
/// 127.0.0.1; the page itself is on loopback, which Chromium never proxies. Screenshots are attached to the results.
/// </summary>
[NonParallelizable]
public sealed partial class WebBrowserTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private string _folder = null!;
    private KestrelOrigin _origin = null!;
    private ProxyProcess _host = null!;
    private ChromeDriver _browser = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        HeadlessChromium.IgnoreUnlessInstalled();

        _folder = Directory.CreateTempSubdirectory("web-browser-").FullName;
        _origin = await KestrelOrigin.StartAsync(_folder);
        _host = await ProxyProcess.StartAsync(Path.Combine(TestPaths.HostOutput, "plugins.json"), _folder,
            ["--set", "web_port=0", "--set", $"session_path={Path.Combine(_folder, "flows.session")}"], CancellationToken.None);
        _client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://{_host.Proxy}"), UseProxy = true }) { Timeout = Patience };

        _browser = HeadlessChromium.Start(_folder, Patience, "--window-size=1400,900", "--proxy-server=http://127.0.0.1:9");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _browser?.Quit();
        _browser?.Dispose();
        _client?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_origin is not null)
        {
            await _origin.DisposeAsync();
        }

        if (_folder is not null)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task FlowsSentThroughTheProxyAppearAndThePageFiltersOrdersShowsAndMarksThem()
    {
        var address = await WebAddressAsync();
        await CommandAsync(address, "view.clear");
        _browser.Navigate().GoToUrl(address.ToString());
        Assert.That(_browser.Url, Does.Not.Contain("token="), "the token left the address bar for a cookie");
        await WaitAsync(() => ByTestId("ws-state").GetAttribute("data-state") == "open", "the live connection opens");

        foreach (var path in new[] { "/hello", "/big/300", "/headers" })
        {
            using var response = await _client.GetAsync(_origin.Http(path));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await WaitAsync(() => Rows().Count == 3, "the three flows appear without a reload");
        Assert.That(Rows().Select(r => r.Text), Has.Some.Contains("/big/300"));
        Screenshot("live-flows");

        var filter = ByTestId("filter-input");
        filter.SendKeys("~u big" + Keys.Enter);
        await WaitAsync(() => Rows().Count == 1 && ByTestId("flow-count").Text == "1 of 3 flows", "the filter narrows the list");
        Assert.That(Rows()[0].Text, Does.Contain("/big/300"));

        filter.Clear();
        filter.SendKeys("~~" + Keys.Enter);
        await WaitAsync(() => ByTestId("filter-error").Displayed, "a bad filter shows its error in place");
        Assert.That(ByTestId("filter-error").Text, Does.Contain("~~"));
        Assert.That(Rows().Count, Is.EqualTo(1), "the view keeps the last good filter");
        Screenshot("filter-error");

        filter.Clear();
        filter.SendKeys(Keys.Enter);
        await WaitAsync(() => Rows().Count == 3 && !ByTestId("filter-error").Displayed, "clearing the filter shows every flow");

        ByTestId("order-select").FindElement(By.CssSelector("option[value='size']")).Click();
        await WaitAsync(() => Rows()[2].Text.Contains("/big/300", StringComparison.Ordinal), "ordered by size, the biggest comes last");

        Rows()[2].Click();
        await WaitAsync(() => ByTestId("detail").Displayed, "a click opens the flow's detail");
        await WaitAsync(() => ByTestId("detail").Text.Contains("/big/300", StringComparison.Ordinal), "the detail names the flow");
        Screenshot("detail");

        ByTestId("mark-btn").Click();
        await WaitAsync(async () => (await ApiAsync(address, "/api/flows?limit=10")).Contains("\"marked\":\":default:\"", StringComparison.Ordinal), "the mark reaches the View");
        Screenshot("marked");
    }

    [Test]
    public async Task AFlowHeldByTheInterceptFilterIsEditedAndResumedFromThePage()
    {
        var address = await WebAddressAsync();
        await CommandAsync(address, "view.clear");
        _browser.Navigate().GoToUrl(address.ToString());
        await WaitAsync(() => ByTestId("ws-state").GetAttribute("data-state") == "open", "the live connection opens");

        var intercept = ByTestId("intercept-input");
        intercept.Clear();
        intercept.SendKeys("~u edit-me" + Keys.Enter);
        await WaitAsync(async () => (await ApiAsync(address, "/api/options?x=1")).Contains("\"name\":\"intercept\",\"owner\":\"intercept\",\"type\":\"str\",\"value\":\"~u edit-me\"", StringComparison.Ordinal), "the page sets the intercept option");

        var held = _client.GetStringAsync(_origin.Http("/headers?edit-me"));
        await WaitAsync(() => HeldRows().Count == 1, "the held flow shows as intercepted");
        Assert.That(held.IsCompleted, Is.False);
        HeldRows()[0].Click();
        await WaitAsync(() => ByTestId("edit-btn").Enabled, "a held flow can be edited");
        Screenshot("intercepted");

        ByTestId("edit-btn").Click();
        await WaitAsync(() => ByTestId("edit-text").Displayed, "the editor opens with the request");
        var text = ByTestId("edit-text");
        Assert.That(text.GetAttribute("value"), Does.StartWith("GET " + _origin.Http("/headers?edit-me") + " HTTP/1.1\n"));
        text.SendKeys(Keys.Control + Keys.Home);
        text.SendKeys(Keys.End + Keys.Enter + "X-Edited: in the page");
        ByTestId("edit-save").Click();
        await WaitAsync(() => ByTestId("revert-btn").Enabled && _browser.FindElements(By.CssSelector("[data-testid='editor']")).Count == 0, "the edit is saved");
        Screenshot("edited");

        // Held at its request, then at its response: resume all twice.
        ByTestId("resume-all-btn").Click();
        await WaitAsync(async () => (await ApiAsync(address, "/api/flows?limit=100")).Contains("\"status\":200", StringComparison.Ordinal), "the flow got its response");
        await WaitAsync(() => HeldRows().Count == 1, "held again at its response");
        ByTestId("resume-all-btn").Click();
        Assert.That(await held.WaitAsync(Patience), Does.Contain("X-Edited: in the page"), "the edited request went upstream");
        await WaitAsync(() => HeldRows().Count == 0, "nothing is held any more");

        intercept.Clear();
        intercept.SendKeys(Keys.Enter);
    }

    [Test]
    public async Task ARequestReplayedFromThePageComesBackAsANewFlowWithTheOriginsAnswer()
    {
        var address = await WebAddressAsync();
        await CommandAsync(address, "view.clear");
        _browser.Navigate().GoToUrl(address.ToString());
        await WaitAsync(() => ByTestId("ws-state").GetAttribute("data-state") == "open", "the live connection opens");
        using (var response = await _client.GetAsync(_origin.Http("/conn")))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await WaitAsync(() => Rows().Count == 1 && Rows()[0].Text.Contains("200", StringComparison.Ordinal), "the captured flow appears");
        Rows()[0].Click();
        await WaitAsync(() => ByTestId("replay-btn").Displayed && ByTestId("replay-btn").Enabled, "a selected flow can be replayed");
        ByTestId("replay-btn").Click();

        await WaitAsync(() => Rows().Count == 2 && Rows()[1].Text.Contains("/conn", StringComparison.Ordinal) && Rows()[1].Text.Contains("200", StringComparison.Ordinal), "the replay comes back as a second flow with the origin's answer");
        Rows()[1].Click();
        await WaitAsync(() => ByTestId("detail").Text.Contains("replay (request)", StringComparison.Ordinal), "its detail says it is a replay");
        Screenshot("replayed");
        await CommandAsync(address, "view.clear");
    }

    [Test]
    public async Task AStreamStartedFromThePageDrawsItsLiveChart()
    {
        var address = await WebAddressAsync();
        _browser.Navigate().GoToUrl(address.ToString());
        await WaitAsync(() => ByTestId("ws-state").GetAttribute("data-state") == "open", "the live connection opens");

        var parameters = ByTestId("streamtester-args");
        parameters.Clear();
        parameters.SendKeys("rate=100 duration=3s" + Keys.Enter);
        await WaitAsync(() => ByTestId("streamtester-result").Text.StartsWith("Stream started", StringComparison.Ordinal), "the page starts a stream with its parameters");
        await WaitAsync(
            () => ByTestId("streamtester-chart").Displayed && int.TryParse(ChartCanvas().GetAttribute("data-seconds"), out var n) && n >= 2,
            "the chart draws the stream's seconds as they complete");
        await WaitAsync(() => PersistedPerSecond().IsMatch(ByTestId("streamtester-legend").Text), "the legend shows the session persisting flows");
        Screenshot("stream-tester-chart");

        await CommandAsync(address, "streamtester.stop");
        await CommandAsync(address, "view.clear");
    }

    [Test]
    public async Task ASessionFileOpenedFromThePageBringsItsFlowsBackAsColdRows()
    {
        var address = await WebAddressAsync();
        await CommandAsync(address, "view.clear");
        foreach (var path in new[] { "/hello", "/headers" })
        {
            using var response = await _client.GetAsync(_origin.Http(path));
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await WaitAsync(async () => (await ApiAsync(address, "/api/flows?limit=0")).Contains("\"total\":2", StringComparison.Ordinal), "the View has both flows");
        var saved = Path.Combine(_folder, $"saved-{Guid.NewGuid():N}.session");
        await CommandAsync(address, "session.save", saved);
        await CommandAsync(address, "view.clear");

        _browser.Navigate().GoToUrl(address.ToString());
        await WaitAsync(() => ByTestId("ws-state").GetAttribute("data-state") == "open", "the live connection opens");
        await WaitAsync(() => ByTestId("session-open-path").Displayed && Rows().Count == 0, "the session pane shows over an empty view");
        ByTestId("session-open-path").SendKeys(saved + Keys.Enter);

        // The session keeps what earlier tests captured too (view.clear empties the View, not the capture).
        await WaitAsync(
            () => Rows() is { Count: >= 2 } rows && rows.All(r => r.GetAttribute("class")!.Contains("cold", StringComparison.Ordinal))
                && rows.Any(r => r.Text.Contains("/hello", StringComparison.Ordinal)) && rows.Any(r => r.Text.Contains("/headers", StringComparison.Ordinal)),
            "the saved flows come back as cold rows");
        Assert.That(ByTestId("message").Text, Does.Contain($"Opened {saved} read-only: {Rows().Count} flows"));
        Rows().First(r => r.Text.Contains("/hello", StringComparison.Ordinal)).Click();
        await WaitAsync(() => ByTestId("detail").Text.Contains("/hello", StringComparison.Ordinal), "a cold flow's detail loads from the opened file");
        Screenshot("session-opened");
        await CommandAsync(address, "view.clear");
    }

    private IWebElement ChartCanvas() => ByTestId("streamtester-chart").FindElement(By.TagName("canvas"));

    private List<IWebElement> HeldRows() => [.. _browser.FindElements(By.CssSelector("[data-testid='flow-row'].intercepted"))];

    private async Task<Uri> WebAddressAsync()
    {
        Match? match = null;
        await WaitAsync(() => (match = WebInterfaceAt().Match(_host.Log)).Success, "the host logs the web interface's address");
        return new Uri(match!.Groups[1].Value);
    }

    private static string Token(Uri address) => address.Query["?token=".Length..];

    /// <summary>An API call made past the proxy, with the token in the query.</summary>
    private static async Task<string> ApiAsync(Uri address, string path)
    {
        using var direct = new HttpClient { Timeout = Patience };
        return await direct.GetStringAsync(new Uri(address, path + "&token=" + Token(address)));
    }

    /// <summary>Runs a command through the API, past the proxy, as the page does.</summary>
    private static async Task CommandAsync(Uri address, string name, params string[] arguments)
    {
        using var direct = new HttpClient { Timeout = Patience };
        var body = System.Text.Json.JsonSerializer.Serialize(new { arguments });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, $"/api/commands/{name}")) { Content = new StringContent(body) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token(address));
        request.Headers.Add("X-Requested-With", "addons-web");
        using var response = await direct.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
    }

    private IWebElement ByTestId(string id) => _browser.FindElement(By.CssSelector($"[data-testid='{id}']"));

    private List<IWebElement> Rows() => [.. _browser.FindElements(By.CssSelector("[data-testid='flow-row']"))];

    private void Screenshot(string name)
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"web-{name}.png");
        _browser.GetScreenshot().SaveAsFile(path);
        TestContext.AddTestAttachment(path, $"The web interface: {name}");
    }

    private Task WaitAsync(Func<bool> condition, string what) => WaitAsync(() => Task.FromResult(condition()), what);

    private async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (WebDriverException)
            {
                // A row re-rendered between finding and reading it: look again.
            }

            if (DateTime.UtcNow > deadline)
            {
                Screenshot("timeout");
                Assert.Fail($"Timed out waiting until {what}.\nHost log:\n{_host.Log}");
            }

            await Task.Delay(50);
        }
    }

    [GeneratedRegex(@"Web interface at (http://\S+)")]
    private static partial Regex WebInterfaceAt();

    [GeneratedRegex(@"persisted [1-9][\d,]*/s")]
    private static partial Regex PersistedPerSecond();
}
