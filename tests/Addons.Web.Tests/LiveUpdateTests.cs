using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Addons.Web.Tests;

/// <summary>/updates: the page's window and selection in, coalesced pages, the open flow, stats and the filter's busy state out.</summary>
public sealed class LiveUpdateTests
{
    /// <summary>API.md: "at most one message of a kind every 100 ms".</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private WebServer _server = null!;

    [SetUp]
    public async Task StartAsync() => _server = await WebServer.StartAsync();

    [TearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task SettingTheWindowSendsItsPage()
    {
        var first = await _server.CaptureAsync("http://example.com/a");
        await _server.CaptureAsync("http://example.com/b");
        await _server.CaptureAsync("http://example.com/c");
        await using var socket = await WebTestKit.ConnectAsync(_server);

        await socket.SendAsync("""{"type": "window", "offset": 1, "limit": 50}""");

        var page = await socket.NextAsync(m => UpdatesSocket.TypeOf(m) == "page" && m.GetProperty("offset").GetInt32() == 1, "the window's page");
        Assert.That(page.GetProperty("total").GetInt32(), Is.EqualTo(3));
        Assert.That(page.GetProperty("storeCount").GetInt32(), Is.EqualTo(3));
        Assert.That(page.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("path").GetString()), Is.EqualTo(new[] { "/b", "/c" }));
        Assert.That(page.GetProperty("rows")[0].GetProperty("index").GetInt32(), Is.EqualTo(1));

        await socket.SendAsync("""{"type": "window", "offset": 0, "limit": 1}""");
        var moved = await socket.NextAsync(m => UpdatesSocket.TypeOf(m) == "page" && m.GetProperty("offset").GetInt32() == 0, "the new window's page");
        Assert.That(moved.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("id").GetString()), Is.EqualTo(new[] { first.Id.ToString() }));
    }

    [Test]
    public async Task AWindowOverTheLimitIsClampedToAThousandRows()
    {
        for (var i = 0; i < 3; i++)
        {
            await _server.CaptureAsync($"http://example.com/{i}");
        }

        await using var socket = await WebTestKit.ConnectAsync(_server);

        await socket.SendAsync("""{"type": "window", "offset": -5, "limit": 100000}""");

        var page = await socket.NextAsync("page");
        Assert.That(page.GetProperty("offset").GetInt32(), Is.EqualTo(0));
        Assert.That(page.GetProperty("rows").GetArrayLength(), Is.EqualTo(3));
        Assert.That(socket.Socket.State, Is.EqualTo(WebSocketState.Open));
    }

    [Test]
    public async Task AFastCaptureIsCoalescedIntoAtMostOnePageATick()
    {
        const int Flows = 2000;
        await using var socket = await WebTestKit.ConnectAsync(_server);
        await socket.SendAsync("""{"type": "window", "offset": 0, "limit": 50}""");
        var empty = await socket.NextAsync("page");
        Assert.That(empty.GetProperty("total").GetInt32(), Is.Zero);

        var clock = Stopwatch.StartNew();
        var started = socket.Elapsed;
        for (var i = 0; i < Flows; i++)
        {
            await _server.CaptureAsync($"http://example.com/{i}");
        }

        var captured = clock.Elapsed;
        var pages = 0;
        JsonElement last;
        TimeSpan lastAt;
        do
        {
            (lastAt, last) = await socket.NextTimedAsync(m => UpdatesSocket.TypeOf(m) == "page", "a page with every flow");
            pages++;
        }
        while (last.GetProperty("total").GetInt32() < Flows);

        var elapsed = lastAt - started;
        var allowed = (int)(elapsed.TotalMilliseconds / Tick.TotalMilliseconds) + 3;
        TestContext.Out.WriteLine($"{Flows} flows captured in {captured.TotalMilliseconds:F0} ms; {pages} pages in {elapsed.TotalMilliseconds:F0} ms (at most {allowed}).");
        Assert.That(last.GetProperty("total").GetInt32(), Is.EqualTo(Flows));
        Assert.That(last.GetProperty("rows").GetArrayLength(), Is.EqualTo(50));
        Assert.That(pages, Is.LessThanOrEqualTo(allowed), "at most one page every tick, however fast flows arrive");
        Assert.That(pages, Is.LessThan(Flows / 10), "far fewer pages than flows");
    }

    [Test]
    public async Task ACaptureSpreadOverManyTicksIsFollowedAtMostOnceATick()
    {
        // 2,000 flows in 20 bursts over about a second: the page follows along, but never faster than the tick.
        const int Flows = 2000;
        await using var socket = await WebTestKit.ConnectAsync(_server);
        await socket.SendAsync("""{"type": "window", "offset": 0, "limit": 50}""");
        await socket.NextAsync("page");

        var started = socket.Elapsed;
        for (var burst = 0; burst < 20; burst++)
        {
            for (var i = 0; i < Flows / 20; i++)
            {
                await _server.CaptureAsync($"http://example.com/{burst}/{i}");
            }

            await Task.Delay(50);
        }

        var totals = new List<int>();
        TimeSpan lastAt;
        do
        {
            var (at, page) = await socket.NextTimedAsync(m => UpdatesSocket.TypeOf(m) == "page", "a page with every flow");
            lastAt = at;
            totals.Add(page.GetProperty("total").GetInt32());
        }
        while (totals[^1] < Flows);

        var elapsed = lastAt - started;
        var allowed = (int)(elapsed.TotalMilliseconds / Tick.TotalMilliseconds) + 3;
        TestContext.Out.WriteLine($"{totals.Count} pages in {elapsed.TotalMilliseconds:F0} ms (at most {allowed}): {string.Join(" ", totals)}");
        Assert.That(totals.Count, Is.LessThanOrEqualTo(allowed), "at most one page every tick");
        Assert.That(totals.Count, Is.GreaterThanOrEqualTo(2), "the page follows the capture, not only its end");
        Assert.That(totals, Is.Ordered, "each page counts at least the flows of the one before");
        Assert.That(totals[^1], Is.EqualTo(Flows));
    }

    [Test]
    public async Task NoPageIsSentWhileTheViewDoesNotChange()
    {
        await _server.CaptureAsync("http://example.com/a");
        await using var socket = await WebTestKit.ConnectAsync(_server);
        await socket.SendAsync("""{"type": "window", "offset": 0, "limit": 50}""");
        await socket.NextAsync("page");

        // Two stats messages are a second apart: no page may come between them for an unchanged View.
        await socket.NextAsync("stats");
        var next = await socket.NextAsync(m => UpdatesSocket.TypeOf(m) is "page" or "stats", "a page or the next stats");
        Assert.That(UpdatesSocket.TypeOf(next), Is.EqualTo("stats"), "no page for an unchanged View: " + next);

        await _server.CaptureAsync("http://example.com/b");
        var page = await socket.NextAsync("page");
        Assert.That(page.GetProperty("total").GetInt32(), Is.EqualTo(2));
    }

    [Test]
    public async Task TheSelectedFlowIsSentWhenSelectedWhenItChangesAndNullWhenRemoved()
    {
        var flow = await _server.CaptureAsync("http://example.com/a");
        var other = await _server.CaptureAsync("http://example.com/b");
        await using var socket = await WebTestKit.ConnectAsync(_server);

        await socket.SendAsync($$"""{"type": "select", "id": "{{flow.Id}}"}""");
        var selected = await socket.NextAsync("flow");
        Assert.That(selected.GetProperty("id").GetString(), Is.EqualTo(flow.Id.ToString()));
        Assert.That(selected.GetProperty("flow").GetProperty("id").GetString(), Is.EqualTo(flow.Id.ToString()));
        Assert.That(selected.GetProperty("flow").GetProperty("request").GetProperty("path").GetString(), Is.EqualTo("/a"));
        Assert.That(selected.GetProperty("flow").GetProperty("marked").GetString(), Is.Empty);

        using (var mark = await WebTestKit.CommandAsync(_server, "flow.mark", $$"""{"arguments": ["@{{flow.Id}}", ":grapes:"]}"""))
        {
            Assert.That(mark.StatusCode, Is.EqualTo(HttpStatusCode.OK), await mark.Content.ReadAsStringAsync());
        }

        var marked = await socket.NextAsync("flow");
        Assert.That(marked.GetProperty("id").GetString(), Is.EqualTo(flow.Id.ToString()));
        Assert.That(marked.GetProperty("flow").GetProperty("marked").GetString(), Is.EqualTo(":grapes:"));

        using (var remove = await WebTestKit.CommandAsync(_server, "view.flows.remove", $$"""{"arguments": ["@{{flow.Id}}"]}"""))
        {
            Assert.That(remove.StatusCode, Is.EqualTo(HttpStatusCode.OK), await remove.Content.ReadAsStringAsync());
        }

        var removed = await socket.NextAsync("flow");
        Assert.That(removed.GetProperty("id").GetString(), Is.EqualTo(flow.Id.ToString()));
        Assert.That(removed.GetProperty("flow").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(other.Id, Is.Not.EqualTo(flow.Id));
    }

    [Test]
    public async Task AChangeToAnotherFlowDoesNotResendTheSelectedOne()
    {
        var flow = await _server.CaptureAsync("http://example.com/a");
        var other = await _server.CaptureAsync("http://example.com/b");
        await using var socket = await WebTestKit.ConnectAsync(_server);
        await socket.SendAsync($$"""{"type": "select", "id": "{{flow.Id}}"}""");
        await socket.SendAsync("""{"type": "window", "offset": 0, "limit": 10}""");
        // Both come, in one tick (page first) or two.
        var first = await socket.NextAsync(m => UpdatesSocket.TypeOf(m) is "flow" or "page", "the flow or the page");
        await socket.NextAsync(UpdatesSocket.TypeOf(first) == "flow" ? "page" : "flow");

        using (var mark = await WebTestKit.CommandAsync(_server, "flow.mark", $$"""{"arguments": ["@{{other.Id}}", ":grapes:"]}"""))
        {
            Assert.That(mark.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var marked = await socket.NextAsync(m => UpdatesSocket.TypeOf(m) is "flow" or "page", "the page after the mark");
        Assert.That(UpdatesSocket.TypeOf(marked), Is.EqualTo("page"), "the selected flow did not change: " + marked);
        Assert.That(marked.GetProperty("rows")[1].GetProperty("marked").GetString(), Is.EqualTo(":grapes:"));
        await AssertNoFlowMessageAsync(socket);
    }

    [Test]
    public async Task SelectingNothingStopsTheFlowMessages()
    {
        var flow = await _server.CaptureAsync("http://example.com/a");
        await using var socket = await WebTestKit.ConnectAsync(_server);
        await socket.SendAsync($$"""{"type": "select", "id": "{{flow.Id}}"}""");
        await socket.NextAsync("flow");

        await socket.SendAsync("""{"type": "select", "id": null}""");
        // The window's page comes after the select is handled (the server reads messages in order).
        await socket.SendAsync("""{"type": "window", "offset": 0, "limit": 10}""");
        await socket.NextAsync("page");
        using (var mark = await WebTestKit.CommandAsync(_server, "flow.mark", $$"""{"arguments": ["@{{flow.Id}}", ":grapes:"]}"""))
        {
            Assert.That(mark.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        var marked = await socket.NextAsync(m => UpdatesSocket.TypeOf(m) is "flow" or "page", "the page after the mark");
        Assert.That(UpdatesSocket.TypeOf(marked), Is.EqualTo("page"), "no flow is selected: " + marked);
        Assert.That(marked.GetProperty("rows")[0].GetProperty("marked").GetString(), Is.EqualTo(":grapes:"));
        await AssertNoFlowMessageAsync(socket);
    }

    [Test]
    public async Task StatsArriveWithNullsWithoutTheSessionAndStreamTesterPlugins()
    {
        await using var socket = await WebTestKit.ConnectAsync(_server);

        var stats = await socket.NextAsync("stats");

        Assert.That(stats.GetProperty("session").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(stats.GetProperty("streamtester").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task AFilterChangeEndsWithBusyFalseAndAPageWithTheNewFilter()
    {
        await _server.CaptureAsync("http://example.com/a");
        await _server.CaptureAsync("http://other.example/b");
        await using var socket = await WebTestKit.ConnectAsync(_server);
        await socket.SendAsync("""{"type": "window", "offset": 0, "limit": 50}""");
        var idle = await socket.NextAsync("filter");
        Assert.That(idle.GetProperty("busy").GetBoolean(), Is.False, "no filter change runs at the start");
        var before = await socket.NextAsync("page");
        Assert.That(before.GetProperty("total").GetInt32(), Is.EqualTo(2));

        await WebTestKit.SetOptionsAsync(_server, """{"view_filter": "~d other.example"}""");

        bool? busy = null;
        var page = await socket.NextAsync(
            m =>
            {
                if (UpdatesSocket.TypeOf(m) == "filter")
                {
                    busy = m.GetProperty("busy").GetBoolean();
                }

                return UpdatesSocket.TypeOf(m) == "page" && m.GetProperty("filter").GetString() == "~d other.example";
            },
            "a page with the new filter");
        Assert.That(page.GetProperty("total").GetInt32(), Is.EqualTo(1));
        Assert.That(page.GetProperty("rows")[0].GetProperty("host").GetString(), Is.EqualTo("other.example"));
        if (busy == true)
        {
            // The tick saw the change running: the next filter message says it is over.
            var done = await socket.NextAsync("filter");
            Assert.That(done.GetProperty("busy").GetBoolean(), Is.False);
        }
    }

    [Test]
    public async Task AFilterChangeThatRunsIsSentAsBusyThenIdle()
    {
        // An addon that takes its time over a new view_filter holds the change open until the test lets it go.
        var slow = new SlowFilterAddon();
        await using var server = await SlowServer.StartAsync(slow);
        await using var socket = await server.ConnectAsync();
        var idle = await socket.NextAsync("filter");
        Assert.That(idle.GetProperty("busy").GetBoolean(), Is.False);

        using var put = WebTestKit.Json(HttpMethod.Put, "/api/options", """{"view_filter": "~d other.example"}""");
        var answering = server.Client.SendAsync(put);
        await slow.Entered.Task.WaitAsync(WebTestKit.Deadline);
        var busy = await socket.NextAsync("filter");
        Assert.That(busy.GetProperty("busy").GetBoolean(), Is.True, "the filter change is running");
        Assert.That(answering.IsCompleted, Is.False);

        slow.Release.SetResult();
        using var answer = await answering.WaitAsync(WebTestKit.Deadline);
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK), await answer.Content.ReadAsStringAsync());
        var done = await socket.NextAsync("filter");
        Assert.That(done.GetProperty("busy").GetBoolean(), Is.False, "the filter change is over");
    }

    [TestCase("this is not json")]
    [TestCase("""{"type": "scroll"}""")]
    [TestCase("""{"offset": 0}""")]
    [TestCase("""{"type": "window", "offset": "zero", "limit": 10}""")]
    [TestCase("""{"type": "window"}""")]
    [TestCase("[1, 2]")]
    public async Task AnUnreadableMessageIsAnsweredWithAnErrorAndTheSocketStaysOpen(string message)
    {
        await _server.CaptureAsync("http://example.com/a");
        await using var socket = await WebTestKit.ConnectAsync(_server);

        await socket.SendAsync(message);

        var error = await socket.NextAsync("error");
        Assert.That(error.GetProperty("message").GetString(), Is.Not.Empty);
        Assert.That(socket.Socket.State, Is.EqualTo(WebSocketState.Open));
        await socket.SendAsync("""{"type": "window", "offset": 0, "limit": 10}""");
        var page = await socket.NextAsync("page");
        Assert.That(page.GetProperty("total").GetInt32(), Is.EqualTo(1), "the socket still works");
    }

    [Test]
    public async Task AClosedSocketIsClosedCleanly()
    {
        await using var socket = await WebTestKit.ConnectAsync(_server);
        await socket.NextAsync("stats");
        using var timeout = new CancellationTokenSource(WebTestKit.Deadline);

        await socket.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);

        await Assert.ThatAsync(async () =>
        {
            while (socket.Socket.State != WebSocketState.Closed)
            {
                await Task.Delay(20, timeout.Token);
            }

            return socket.Socket.CloseStatus;
        }, Is.EqualTo(WebSocketCloseStatus.NormalClosure));
    }

    /// <summary>
    /// A tick sends its page before its flow message: so after the page a change caused, capture one flow more; a flow
    /// message that tick owed comes before that flow's page.
    /// </summary>
    private async Task AssertNoFlowMessageAsync(UpdatesSocket socket)
    {
        var extra = await _server.CaptureAsync("http://example.com/extra");
        var next = await socket.NextAsync(m => UpdatesSocket.TypeOf(m) is "flow" or "page", "the page with one flow more");
        Assert.That(UpdatesSocket.TypeOf(next), Is.EqualTo("page"), "no flow message was due: " + next);
        Assert.That(next.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("id").GetString()), Does.Contain(extra.Id.ToString()));
    }
}

/// <summary>An addon whose configure waits, when view_filter changes, until the test releases it.</summary>
internal sealed class SlowFilterAddon : Addons.Abstractions.Addon
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override string Name => "slowfilter";

    public override async ValueTask ConfigureAsync(Addons.Abstractions.Hooks.ConfigureContext context)
    {
        if (!context.IsInitial && context.Updated.Contains("view_filter"))
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }
}

/// <summary>The View, an extra addon and the Web plugin in the kit's host (WebServer takes no extra addons).</summary>
internal sealed class SlowServer : IAsyncDisposable
{
    private SlowServer(Addons.Testing.AddonTestHost host, WebAddon web)
    {
        Host = host;
        Web = web;
        Client = new HttpClient { BaseAddress = web.Address, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", web.Token);
    }

    public Addons.Testing.AddonTestHost Host { get; }

    public WebAddon Web { get; }

    public HttpClient Client { get; }

    public static async Task<SlowServer> StartAsync(Addons.Abstractions.Addon extra)
    {
        var web = new WebAddon();
        var host = await Addons.Testing.AddonTestHost.StartAsync([new View.ViewAddon(), extra, web], new Dictionary<string, string> { ["web_port"] = "0" });
        Assert.That(web.Address, Is.Not.Null, "the web server started");
        return new SlowServer(host, web);
    }

    public async Task<UpdatesSocket> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Web.Token);
        using var timeout = new CancellationTokenSource(WebTestKit.Deadline);
        await socket.ConnectAsync(new UriBuilder(Web.Address!) { Scheme = "ws", Path = "/updates" }.Uri, timeout.Token);
        return new UpdatesSocket(socket);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
    }
}
