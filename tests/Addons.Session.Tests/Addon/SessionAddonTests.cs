using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Session.Storage;
using Addons.Session.Tests.Storage;
using Microsoft.Extensions.Logging;

namespace Addons.Session.Tests.Addon;

/// <summary>The Session addon end to end in process: hooks to committed rows, restore into the View, commands, bad files.</summary>
public sealed class SessionAddonTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void CreateFolder() => _temp = new TempDirectory();

    [TearDown]
    public void DeleteFolder() => _temp.Dispose();

    [Test]
    public async Task EveryCapturedFlowIsWrittenBeforeDoneReturns()
    {
        var path = _temp.File("s.sqlite");
        var h = await SessionHarness.StartAsync(("session_path", path), ("session_batch_size", 100), ("session_flush_ms", 5_000));
        var flows = Enumerable.Range(0, 1_050).Select(i => SampleFlows.Simple(i)).ToList();
        foreach (var flow in flows)
        {
            await h.CaptureAsync(flow);
        }

        await h.DoneAsync();

        using var store = SessionStore.Open(path, readOnly: true);
        Assert.Multiple(() =>
        {
            Assert.That(store.ReadAll().Select(f => f.Id), Is.EqualTo(flows.Select(f => f.Id)), "every flow, in capture order");
            Assert.That(h.Persisted.SelectMany(p => p.FlowIds).Distinct().Count(), Is.EqualTo(1_050), "FlowsPersisted names every written flow");
            Assert.That(h.Persisted.Max(p => p.FlowIds.Count), Is.LessThanOrEqualTo(100), "batches respect session_batch_size");
        });
    }

    [Test]
    public async Task AFlowIsCommittedWithinTheFlushPeriodWithoutFillingABatch()
    {
        var h = await SessionHarness.StartAsync(("session_path", _temp.File("s.sqlite")), ("session_batch_size", 10_000), ("session_flush_ms", 50));
        await h.CaptureAsync(SampleFlows.Simple(1));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (h.PersistedCount() == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.That(h.PersistedCount(), Is.EqualTo(1));
        await h.DoneAsync();
    }

    [Test]
    public async Task TheFlowIsStoredAsItWasWhenQueuedNotAsItChangedAfterwards()
    {
        var path = _temp.File("s.sqlite");
        var h = await SessionHarness.StartAsync(("session_path", path), ("session_flush_ms", 60_000));
        var flow = SampleFlows.Simple(1);
        flow.Comment = "at the response";
        await h.Session.ResponseAsync(new HttpFlowContext(flow, CancellationToken.None));

        // The proxy (or anyone) goes on changing the flow without telling the session: the queued snapshot stays.
        flow.Comment = "changed later";
        flow.Response!.Headers.Add("X-Late", "1");
        await h.DoneAsync();

        using var store = SessionStore.Open(path, readOnly: true);
        var stored = store.ReadAll().Single();
        Assert.That(stored.Comment, Is.EqualTo("at the response"));
        Assert.That(((HttpFlow)stored).Response!.Headers.Contains("X-Late"), Is.False);
    }

    [Test]
    public async Task AFullQueueMakesTheProducerWaitAndLosesNothing()
    {
        var path = _temp.File("s.sqlite");
        var h = await SessionHarness.StartAsync(("session_path", path), ("session_queue_size", 2), ("session_batch_size", 3), ("session_flush_ms", 1));
        var flows = Enumerable.Range(0, 300).Select(i => SampleFlows.Simple(i)).ToList();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var i = p; i < flows.Count; i += 4)
            {
                await h.Session.ResponseAsync(new HttpFlowContext(flows[i], CancellationToken.None));
            }
        })));
        await h.DoneAsync();

        using var store = SessionStore.Open(path, readOnly: true);
        Assert.That(store.ReadAll().Select(f => f.Id).Order(), Is.EqualTo(flows.Select(f => f.Id).Order()));
    }

    [Test]
    public async Task ALiveFlowIsStoredWhenItCompletesNotAtTheUpdateAfterEachOfTheProxysHooks()
    {
        var path = _temp.File("s.sqlite");
        var h = await SessionHarness.StartAsync(("session_path", path), ("session_flush_ms", 5));
        var flow = SampleFlows.Simple(1);
        var response = flow.Response;
        flow.Response = null;
        flow.Live = true;

        // requestheaders and request, each followed by update, as the proxy runs them.
        await h.Session.UpdateAsync(new UpdateContext([flow], CancellationToken.None));
        await h.Session.UpdateAsync(new UpdateContext([flow], CancellationToken.None));
        await Task.Delay(50);
        Assert.That(h.PersistedCount(), Is.Zero, "nothing is stored while the flow is in the middle of its exchange");

        flow.Response = response;
        await h.Session.ResponseAsync(new HttpFlowContext(flow, CancellationToken.None));
        await h.Session.UpdateAsync(new UpdateContext([flow], CancellationToken.None));
        flow.Live = false;
        await h.DoneAsync();

        Assert.That(h.PersistedCount(), Is.EqualTo(1), "stored once, complete");
        using var store = SessionStore.Open(path, readOnly: true);
        Assert.That(((HttpFlow)store.ReadAll().Single()).Response, Is.Not.Null);
    }

    [Test]
    public async Task AnUpdatedFlowReplacesItsStoredCopy()
    {
        var path = _temp.File("s.sqlite");
        var h = await SessionHarness.StartAsync(("session_path", path));
        var flow = SampleFlows.Simple(1);
        await h.CaptureAsync(flow);
        flow.Marked = ":default:";
        flow.Comment = "seen";
        await h.Session.UpdateAsync(new UpdateContext([flow], CancellationToken.None));
        await h.DoneAsync();

        using var store = SessionStore.Open(path, readOnly: true);
        var stored = store.ReadAll().ToList();
        Assert.That(stored, Has.Count.EqualTo(1));
        Assert.That(stored[0].Marked, Is.EqualTo(":default:"));
        Assert.That(stored[0].Comment, Is.EqualTo("seen"));
    }

    [Test]
    public async Task FlowsOfATypeTheSchemaDoesNotKeepAreSaidOnceForEachTypeAndCountedAsNotSaved()
    {
        var path = _temp.File("s.sqlite");
        var h = await SessionHarness.StartAsync(("session_path", path));
        await h.CaptureAsync(SampleFlows.Simple(1));
        var tcp = new TcpFlow { Messages = [new StreamMessage { FromClient = true, Content = "hello"u8.ToArray() }] };
        await h.Session.UpdateAsync(new UpdateContext([tcp, new TcpFlow()], CancellationToken.None));
        var dns = new DnsFlow { Live = true };
        await h.Session.DnsResponseAsync(new DnsFlowContext(dns, CancellationToken.None));
        await h.Session.Writer!.FlushAsync(CancellationToken.None);

        var warnings = h.Logs.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).ToList();
        Assert.That(warnings, Has.Count.EqualTo(2), "once for TCP, once for DNS");
        Assert.That(warnings[0], Is.EqualTo($"Session file {path} does not keep TCP flows (its schema has HTTP flows only), so flow {tcp.Id} and the TCP flows after it are not saved; session.stats counts them as not saved"));
        Assert.That(await h.RunAsync("session.stats"), Does.Contain(": 1 flows").And.Contain("not saved 3"));
        await h.DoneAsync();
    }

    [Test]
    public async Task AnExistingSessionIsRestoredIntoTheViewInOrderWithMarksAndSettings()
    {
        var path = _temp.File("s.sqlite");
        var flows = Enumerable.Range(0, 25).Select(i => SampleFlows.Simple(i)).ToList();
        flows[3].Marked = ":default:";
        using (var store = SessionStore.Open(path))
        {
            store.WriteBatch(flows);
            store.SetSetting(flows[5].Id, "color", "red");
        }

        var h = await SessionHarness.StartAsync(("session_path", path));

        var shown = (IReadOnlyList<Flow>)(await h.RunAsync("view.flows.resolve", "@all"))!;
        Assert.Multiple(async () =>
        {
            Assert.That(shown.Select(f => f.Id), Is.EqualTo(flows.Select(f => f.Id)));
            Assert.That(((IReadOnlyList<Flow>)(await h.RunAsync("view.flows.resolve", "@marked"))!).Single().Id, Is.EqualTo(flows[3].Id));
            Assert.That(await h.RunAsync("view.settings.getval", "@" + flows[5].Id, "color", "none"), Is.EqualTo("red"));
            Assert.That(h.PersistedCount(), Is.Zero, "restored flows are not written again");
        });
        await h.DoneAsync();
    }

    [Test]
    public async Task SettingsAndMarksMadeInTheViewAreRestoredNextTime()
    {
        var path = _temp.File("s.sqlite");
        var first = await SessionHarness.StartAsync(("session_path", path));
        var flow = SampleFlows.Simple(1);
        await first.CaptureAsync(flow);
        await first.RunAsync("view.settings.setval", "@" + flow.Id, "note", "check this");
        await first.RunAsync("flow.mark", "@" + flow.Id, ":star:");
        await first.DoneAsync();

        var second = await SessionHarness.StartAsync(("session_path", path));

        Assert.That(await second.RunAsync("view.settings.getval", "@" + flow.Id, "note", "none"), Is.EqualTo("check this"));
        Assert.That(((IReadOnlyList<Flow>)(await second.RunAsync("view.flows.resolve", "@marked"))!).Single().Marked, Is.EqualTo(":star:"));
        await second.DoneAsync();
    }

    [Test]
    public async Task AFileThatIsNotASessionLeavesTheHostRunningWithoutPersistence()
    {
        var path = _temp.File("notes.txt");
        await File.WriteAllTextAsync(path, "these are my notes, not a session");
        var before = await File.ReadAllBytesAsync(path);

        var h = await SessionHarness.StartAsync(("session_path", path));
        await h.CaptureAsync(SampleFlows.Simple(1));
        await h.DoneAsync();

        Assert.Multiple(async () =>
        {
            Assert.That(await File.ReadAllBytesAsync(path), Is.EqualTo(before), "the file is never written");
            var error = h.Logs.Single(l => l.Level == LogLevel.Error).Message;
            Assert.That(error, Does.Contain(path).And.Contain("without persisting"));
            Assert.That(await h.RunAsync("session.stats"), Does.Contain("does not persist"));
        });
    }

    [Test]
    public async Task ADamagedRowStopsTheRestoreWithOneSentenceAndNewFlowsAreStillWritten()
    {
        var path = _temp.File("s.sqlite");
        var flows = Enumerable.Range(0, 5).Select(i => SampleFlows.Simple(i)).ToList();
        using (var store = SessionStore.Open(path))
        {
            store.WriteBatch(flows);
        }

        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE flow_00000 SET timestamp = {long.MaxValue} WHERE seq = 2";
            command.ExecuteNonQuery();
        }

        var h = await SessionHarness.StartAsync(("session_path", path), ("session_hot_flows", 2));
        await h.CaptureAsync(SampleFlows.Simple(9));
        await h.DoneAsync();

        var error = h.Logs.Single(l => l.Level == LogLevel.Error).Message;
        Assert.That(error, Does.Contain(path).And.Contain(flows[1].Id.ToString()).And.Contain("new flows are still written"));
        Assert.That(h.PersistedCount(), Is.EqualTo(1), "the flow captured after the failed restore is written");
    }

    [Test]
    public async Task AFileThatIsNotASessionRefusesTheStartWhenTheSessionIsRequired()
    {
        var path = _temp.File("notes.txt");
        await File.WriteAllTextAsync(path, "these are my notes, not a session");

        var (_, rejection) = await SessionHarness.CreateAsync(("session_path", path), ("session_required", true));

        Assert.That(rejection, Does.Contain("session_path").And.Contain(path));
    }

    [Test]
    public async Task WithoutAPathTheSessionIsATemporaryFileRemovedOnExit()
    {
        var h = await SessionHarness.StartAsync();
        var file = h.Session.FilePath;
        Assert.That(file, Is.Not.Null);
        Assert.That(File.Exists(file), Is.True);
        await h.CaptureAsync(SampleFlows.Simple(1));
        var saved = _temp.File("kept.sqlite");
        await h.RunAsync("session.save", saved);

        await h.DoneAsync();

        Assert.That(File.Exists(file), Is.False);
        using var store = SessionStore.Open(saved, readOnly: true);
        Assert.That(store.ReadAll().Count(), Is.EqualTo(1), "the saved copy keeps the flow captured before the save");
    }

    [Test]
    public async Task StatsAndClearReportAndEmptyTheFile()
    {
        var h = await SessionHarness.StartAsync(("session_path", _temp.File("s.sqlite")));
        for (var i = 0; i < 3; i++)
        {
            await h.CaptureAsync(SampleFlows.Simple(i));
        }

        await h.Session.Writer!.FlushAsync(CancellationToken.None);
        Assert.That(await h.RunAsync("session.stats"), Does.Contain(": 3 flows").And.Contain("queue depth 0"));

        await h.RunAsync("session.clear");

        Assert.That(await h.RunAsync("session.stats"), Does.Contain(": 0 flows"));
        await h.DoneAsync();
    }

    [Test]
    public async Task SaveRefusesToOverwriteAFile()
    {
        var h = await SessionHarness.StartAsync(("session_path", _temp.File("s.sqlite")));
        var existing = _temp.File("existing.sqlite");
        await File.WriteAllTextAsync(existing, "keep me");

        Assert.That(async () => await h.RunAsync("session.save", existing), Throws.InstanceOf<Abstractions.Commands.CommandException>().With.Message.Contain(existing));
        Assert.That(await File.ReadAllTextAsync(existing), Is.EqualTo("keep me"));
        await h.DoneAsync();
    }

    [TestCase("session_batch_size")]
    [TestCase("session_flush_ms")]
    [TestCase("session_queue_size")]
    public async Task ANonPositiveWriterSettingIsRejected(string option)
    {
        var (_, rejection) = await SessionHarness.CreateAsync(("session_path", _temp.File("s.sqlite")), (option, 0));

        Assert.That(rejection, Does.Contain(option).And.Contain("at least 1"));
    }
}
