using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Abstractions.View;
using Addons.Session.Storage;
using Addons.Session.Tests.Storage;

namespace Addons.Session.Tests.Addon;

/// <summary>
/// <c>session_hot_flows</c>: past the cap, the oldest written flows leave memory and stay in the View as summaries,
/// loaded from the session file when asked for; the View shows, filters and orders them as if they were in memory.
/// </summary>
public sealed class SessionColdFlowTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void CreateFolder() => _temp = new TempDirectory();

    [TearDown]
    public void DeleteFolder() => _temp.Dispose();

    [Test]
    public async Task PastTheCapTheOldestFlowsLeaveMemoryAndTheViewStillShowsAndFiltersThem()
    {
        var h = await SessionHarness.StartAsync(("session_path", _temp.File("s.sqlite")), ("session_hot_flows", 10), ("session_flush_ms", 20));
        var flows = Captured(60);
        foreach (var flow in flows)
        {
            await h.CaptureAsync(flow);
        }

        await Until(() => ColdCount(h) == 50);

        Assert.That(Ids(await Resolve(h, "@all")), Is.EqualTo(Ids(flows)), "every flow, in order");
        foreach (var expression in new[] { "~c 404", "~h x-debug", "~c 404 | ~h x-debug", "~b secret", "~m POST & ~u /item" })
        {
            var filter = Host.Filters.FlowFilter.Parse(expression);
            await h.RunAsync("view.filter.set", expression);
            Assert.That(Ids(await Resolve(h, "@shown")), Is.EqualTo(Ids(flows.Where(filter.Matches))), expression);
        }

        await h.RunAsync("view.filter.set", "");
        await h.RunAsync("view.order.set", "url");
        Assert.That(Ids(await Resolve(h, "@shown")), Is.EqualTo(Ids(flows.OrderBy(f => f.Request.Url, StringComparer.Ordinal))), "url order");
        Assert.That(Ids(await Resolve(h, "@marked")), Is.EqualTo(Ids(flows.Where(f => f.Marked.Length > 0))));
        ModelAssert.AllPropertiesEqual(flows[0], (await Resolve(h, "@" + flows[0].Id)).Single());
        await h.DoneAsync();
    }

    [Test]
    public async Task AColdFlowMarkedInTheViewIsStoredWithItsMarkAndGoesColdAgain()
    {
        var path = _temp.File("s.sqlite");
        var h = await SessionHarness.StartAsync(("session_path", path), ("session_hot_flows", 5), ("session_flush_ms", 20));
        var flows = Captured(20);
        foreach (var flow in flows)
        {
            await h.CaptureAsync(flow);
        }

        await Until(() => ColdCount(h) == 15);
        await h.RunAsync("flow.mark", "@" + flows[2].Id, ":star:");
        await Until(() => h.PersistedCount() == 21);
        await h.DoneAsync();

        var second = await SessionHarness.StartAsync(("session_path", path), ("session_hot_flows", 5));
        Assert.That((await Resolve(second, "@" + flows[2].Id)).Single().Marked, Is.EqualTo(":star:"));
        await second.DoneAsync();
    }

    [Test]
    public async Task ARestoreWithACapBringsTheOlderFlowsBackAsSummariesWithTheirSettings()
    {
        var path = _temp.File("s.sqlite");
        var flows = Captured(100);
        using (var store = SessionStore.Open(path))
        {
            store.WriteBatch(flows);
            store.SetSetting(flows[3].Id, "color", "red");
            store.SetSetting(flows[95].Id, "color", "blue");
        }

        var h = await SessionHarness.StartAsync(("session_path", path), ("session_hot_flows", 20));

        Assert.Multiple(async () =>
        {
            Assert.That(ColdCount(h), Is.EqualTo(80));
            Assert.That(Ids(await Resolve(h, "@all")), Is.EqualTo(Ids(flows)));
            Assert.That(Ids(await Resolve(h, "@marked")), Is.EqualTo(Ids(flows.Where(f => f.Marked.Length > 0))));
            Assert.That(await h.RunAsync("view.settings.getval", "@" + flows[3].Id, "color", "none"), Is.EqualTo("red"));
            Assert.That(await h.RunAsync("view.settings.getval", "@" + flows[95].Id, "color", "none"), Is.EqualTo("blue"));
            Assert.That(h.Logs.Select(l => l.Message), Has.Some.EqualTo($"Session file {path}: 100 flows restored, 80 of them as summaries that load from the file when needed (session_hot_flows 20)"));
            Assert.That(h.PersistedCount(), Is.Zero, "restored flows are not written again");
            Assert.That(await h.RunAsync("session.stats"), Does.Contain(": 100 flows").And.Contain("handed to the View as summaries 80 (session_hot_flows 20)"));
        });
        await h.DoneAsync();
    }

    [Test]
    public async Task ARestoreHandsTheColdSummariesToTheViewInChunksNotAllAtOnce()
    {
        var path = _temp.File("s.sqlite");
        var flows = Captured(70_000);
        using (var store = SessionStore.Open(path))
        {
            store.WriteBatch(flows);
        }

        var h = await SessionHarness.StartAsync(("session_path", path), ("session_hot_flows", 1_000));

        var cold = h.Host.Published<FlowsLoaded>().Where(l => l.ColdFlows is { Count: > 0 }).Select(l => l.ColdFlows!).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(cold.Select(c => c.Count), Is.EqualTo(new[] { 65_536, 69_000 - 65_536 }));
            Assert.That(cold.SelectMany(c => c).Select(s => s.Id), Is.EqualTo(Ids(flows.Take(69_000))));
            Assert.That(ColdCount(h), Is.EqualTo(69_000));
            Assert.That(Ids(await Resolve(h, "@all")), Is.EqualTo(Ids(flows)));
        });
        await h.DoneAsync();
    }

    [Test]
    public async Task ClearIsRefusedWhileTheViewKeepsFlowsOnlyInTheFile()
    {
        var path = _temp.File("s.sqlite");
        using (var store = SessionStore.Open(path))
        {
            store.WriteBatch(Captured(10));
        }

        var h = await SessionHarness.StartAsync(("session_path", path), ("session_hot_flows", 2));

        var error = Assert.ThrowsAsync<CommandException>(() => h.RunAsync("session.clear"));
        Assert.That(error!.Message, Does.Contain(path).And.Contain("session_hot_flows"));
        using (var store = SessionStore.Open(path, readOnly: true))
        {
            Assert.That(store.Count(), Is.EqualTo(10), "the file was left as it is");
        }

        await h.DoneAsync();
    }

    [Test]
    public async Task ANegativeCapIsRejected()
    {
        var (_, rejection) = await SessionHarness.CreateAsync(("session_path", _temp.File("s.sqlite")), ("session_hot_flows", -1));

        Assert.That(rejection, Does.Contain("session_hot_flows must be 0 (every flow in memory) or more (got -1)"));
    }

    internal static List<HttpFlow> Captured(int count)
    {
        var random = new Random(count);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var flow = SampleFlows.Simple(i, responseBytes: random.Next(0, 6000), method: random.Next(2) == 0 ? "GET" : "POST", host: $"h{random.Next(3)}.example");
            flow.Response!.StatusCode = random.Next(3) == 0 ? 404 : 200;
            if (random.Next(4) == 0)
            {
                flow.Request.Headers.Add("X-Debug", "1");
            }

            if (random.Next(5) == 0)
            {
                flow.Response.Content = [.. new byte[5000], .. "secret"u8.ToArray()];
            }

            if (random.Next(6) == 0)
            {
                flow.Marked = ":default:";
            }

            return flow;
        })];
    }

    internal static int ColdCount(SessionHarness h)
    {
        lock (h.View.Gate)
        {
            return h.View.Model.ColdCount;
        }
    }

    internal static async Task<IReadOnlyList<Flow>> Resolve(SessionHarness h, string spec) =>
        (IReadOnlyList<Flow>)(await h.RunAsync("view.flows.resolve", spec))!;

    internal static List<Guid> Ids(IEnumerable<Flow> flows) => [.. flows.Select(f => f.Id)];

    internal static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(condition(), Is.True, "the condition did not come true within 20 s");
    }
}
