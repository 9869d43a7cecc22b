using System.Text;
using System.Text.Json;
using Addons.Host.Chain;
using Addons.Host.Configuration;
using Addons.Host.Control;
using Addons.Host.Hosting;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// Hot reload of a watched plugin, driven by <see cref="AddonHost.ReloadAsync"/>: the Reloadable test plugin's build
/// "1" runs from a folder of the test's, and another build (<c>ReloadableV2</c>, <c>ReloadableBroken</c>, or bytes that
/// are no assembly) is written over it before the reload, as a rebuild writes over a plugin's output.
/// </summary>
public sealed class ReloadTests
{
    private static readonly string[] Lifecycle = ["load", "configure", "running", "done"];

    private string _folder = null!;

    private string PluginFolder => Path.Combine(_folder, "Reloadable");

    private string PluginPath => Path.Combine(PluginFolder, "Reloadable.dll");

    [SetUp]
    public void CopyBuildOne()
    {
        _folder = Directory.CreateTempSubdirectory("addons-reload-").FullName;
        Put("Reloadable");
    }

    [TearDown]
    public void DeleteTheFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(60_000)]
    public async Task TheNewBuildLoadsThenTheOldOneGetsDoneThenTheNewOneConfiguresRunsAndAnswersFlows(CancellationToken cancellationToken)
    {
        await using var host = await StartAsync();
        var heard = Listen(host);
        Assert.That((await AnswerAsync(host)).Build, Is.EqualTo("1"));
        Put("ReloadableV2");

        var reload = await host.Addons.ReloadAsync(Entry(host), cancellationToken);

        Assert.That(reload.Succeeded, Is.True, reload.Reason);
        Assert.That(heard.Lifecycle(), Is.EqualTo(new[] { "reloadable 2:load", "reloadable 1:done", "reloadable 2:configure", "reloadable 2:running" }));
        Assert.That(await AnswerAsync(host), Is.EqualTo(("2", "hello from build 2")), "the new build answers, with its own default");
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Member("Reloaded plugin 'Reloadable' (0.1.0)"));
        Assert.That(host.Logs.Errors, Is.Empty);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task TheOldBuildsCommandsOptionsAndSubscriptionsGoAndTheNewOnesAreThere(CancellationToken cancellationToken)
    {
        await using var host = await StartAsync();
        Put("ReloadableV2");

        await host.Addons.ReloadAsync(Entry(host), cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(host.Commands.Find("reloadable.only_1"), Is.Null);
            Assert.That(host.Commands.Find("reloadable.only_2")?.Owner, Is.EqualTo("reloadable"));
            Assert.That(host.Options.Find("reloadable_only_1"), Is.Null);
            Assert.That(host.Options.Find("reloadable_only_2")?.Owner, Is.EqualTo("reloadable"));
            Assert.That(host.Bus.CountSubscribers(typeof(Version)), Is.Zero, "build 1's subscription");
            Assert.That(host.Bus.CountSubscribers(typeof(Uri)), Is.EqualTo(1), "build 2's subscription");
        });
        Assert.That(await BuildInfoAsync(host), Is.EqualTo("BuildInfo { Build = 2, Responses = 0 }"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task TheOldBuildUnloadsOnceTheHostHasLetGoOfIt(CancellationToken cancellationToken)
    {
        // Build 1 has had its logger made, its own message type published on the bus, and its own type of command
        // result written as JSON: the host keeps none of them.
        await using var host = await StartAsync();
        await AnswerAsync(host);
        Assert.That(await BuildInfoJsonAsync(host), Is.EqualTo("""{"Build":"1","Responses":1}"""));
        Put("ReloadableV2");

        var reload = await host.Addons.ReloadAsync(Entry(host), cancellationToken);

        Assert.That(await reload.Unloaded, Is.True, string.Join("\n", host.Logs.Lines));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Some.Match(@"^Plugin 'Reloadable': its previous build unloaded after \d+ collection\(s\)$"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task APluginThatKeepsItselfLoadedIsReportedByName(CancellationToken cancellationToken)
    {
        await using var host = await StartAsync("--set", "reloadable_pin=true");
        Put("ReloadableV2");

        var reload = await host.Addons.ReloadAsync(Entry(host), cancellationToken);

        Assert.That(reload.Succeeded, Is.True, reload.Reason);
        Assert.That(await reload.Unloaded, Is.False);
        Assert.That(host.Logs.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Message), Has.Some.StartsWith(
            "Plugin 'Reloadable' did not unload: its previous build is still referenced after 20 collections, so it stays in memory until the host restarts;"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AHookRunningInTheOldInstanceFinishesBeforeItsDoneAndOneArrivingMeanwhileGoesToTheNewOne(CancellationToken cancellationToken)
    {
        await using var host = await StartAsync("--set", "reloadable_response_delay=400");
        var heard = Listen(host);
        var during = AnswerAsync(host);
        await heard.WaitForAsync("reloadable 1:response-start", cancellationToken);
        Put("ReloadableV2");

        var reloading = host.Addons.ReloadAsync(Entry(host), cancellationToken);
        var gate = GateOf(host);
        while (!gate.IsClosed && !reloading.IsCompleted)
        {
            await Task.Delay(5, cancellationToken);
        }

        var waiting = AnswerAsync(host);
        var reload = await reloading;

        Assert.That(reload.Succeeded, Is.True, reload.Reason);
        Assert.That((await during).Build, Is.EqualTo("1"), "the hook under way finished in the old instance");
        Assert.That((await waiting).Build, Is.EqualTo("2"), "the hook that came during the swap waited for the new instance");
        var order = heard.All().Where(m => m.StartsWith("reloadable 1:", StringComparison.Ordinal)).ToList();
        Assert.That(order, Is.EqualTo(new[] { "reloadable 1:response-start", "reloadable 1:response-end", "reloadable 1:done" }));
        Assert.That(heard.All(), Has.Member("reloadable 2:response-end"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task HooksThatOutlastTheHookTimeoutLeaveTheOldInstanceRunning(CancellationToken cancellationToken)
    {
        await using var host = await StartAsync("--set", "reloadable_response_delay=3000", "--Watch:HookTimeout=200ms");
        var heard = Listen(host);
        var during = AnswerAsync(host);
        await heard.WaitForAsync("reloadable 1:response-start", cancellationToken);
        Put("ReloadableV2");

        var reload = await host.Addons.ReloadAsync(Entry(host), cancellationToken);

        Assert.That(reload.Succeeded, Is.False);
        Assert.That(host.Logs.Errors.Select(e => e.Message), Has.Member(
            "Reload of plugin 'Reloadable' failed; the loaded build keeps running: 1 hook call(s) of addon 'reloadable' were still running after 0.2s (Watch:HookTimeout), so it was not stopped; change the plugin again to retry."));
        Assert.That((await during).Build, Is.EqualTo("1"));
        Assert.That(heard.Lifecycle(), Is.EqualTo(new[] { "reloadable 2:load", "reloadable 2:done" }), "the old instance never stopped");
        Assert.That(host.Commands.Find("reloadable.only_1"), Is.Not.Null);
        Assert.That(await reload.Unloaded, Is.True, "the new build that did not take the place unloaded");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task ABuildThatThrowsInLoadLeavesTheOldInstanceRunningAsItWas(CancellationToken cancellationToken)
    {
        await using var host = await StartAsync();
        await AnswerAsync(host);
        await host.Options.SetAsync(new Dictionary<string, string> { ["reloadable_greeting"] = "set at run time" }, cancellationToken);
        var heard = Listen(host);
        Put("ReloadableBroken");

        var reload = await host.Addons.ReloadAsync(Entry(host), cancellationToken);

        Assert.That(reload.Succeeded, Is.False);
        Assert.That(host.Logs.Errors.Select(e => e.Message), Has.Member(
            "Reload of plugin 'Reloadable' failed; the loaded build keeps running: addon 'reloadable' failed in load: build broken does not load"));
        Assert.That(await AnswerAsync(host), Is.EqualTo(("1", "set at run time")));
        Assert.That(await BuildInfoAsync(host), Is.EqualTo("BuildInfo { Build = 1, Responses = 2 }"), "the same instance, which counted both responses");
        Assert.That(heard.Lifecycle(), Is.Empty, "the old instance never stopped");
        Assert.Multiple(() =>
        {
            Assert.That(host.Commands.Find("reloadable.only_1"), Is.Not.Null);
            Assert.That(host.Options.Find("reloadable_only_1"), Is.Not.Null);
            Assert.That(host.Bus.CountSubscribers(typeof(Version)), Is.EqualTo(1));
        });
        Assert.That(await reload.Unloaded, Is.True, "the build that failed unloaded");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AFileThatIsNoAssemblyLeavesTheOldInstanceRunningAndSaysWhy(CancellationToken cancellationToken)
    {
        await using var host = await StartAsync();
        await File.WriteAllTextAsync(PluginPath, "half a build", cancellationToken);

        var reload = await host.Addons.ReloadAsync(Entry(host), cancellationToken);

        Assert.That(reload.Succeeded, Is.False);
        Assert.That(host.Logs.Errors.Single().Message, Does.StartWith(
            $"Reload of plugin 'Reloadable' failed; the loaded build keeps running: {PluginPath} cannot be read as a .NET assembly ("));
        Assert.That((await AnswerAsync(host)).Build, Is.EqualTo("1"));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task ANewBuildThatRejectsTheOptionsIsReplacedByANewInstanceOfTheLoadedBuild(CancellationToken cancellationToken)
    {
        await using var host = await StartAsync("--set", "reloadable_reject_in=2");
        var heard = Listen(host);
        Put("ReloadableV2");

        var reload = await host.Addons.ReloadAsync(Entry(host), cancellationToken);

        Assert.That(reload.Succeeded, Is.False);
        Assert.That(host.Logs.Errors.Select(e => e.Message), Has.Member(
            "Reload of plugin 'Reloadable' failed; the loaded build keeps running: Addon 'reloadable' rejected the options: build 2 rejects reloadable_reject_in=2. A new instance of the loaded build runs in its place, as the old one had already stopped."));
        Assert.That(heard.Lifecycle(), Is.EqualTo(new[]
        {
            "reloadable 2:load", "reloadable 1:done", "reloadable 2:configure", "reloadable 2:done",
            "reloadable 1:load", "reloadable 1:configure", "reloadable 1:running",
        }));
        Assert.That((await AnswerAsync(host)).Build, Is.EqualTo("1"));
        Assert.That(host.Commands.Find("reloadable.only_1"), Is.Not.Null);
        Assert.That(await reload.Unloaded, Is.True, "the refused build unloaded");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task ValuesFromPluginsJsonSetAndRunTimeChangesApplyToTheNewBuild(CancellationToken cancellationToken)
    {
        await using var host = await StartWithOptionsAsync(
            "{ \"reloadable_greeting\": \"from plugins.json\", \"reloadable_pin\": false }", "--set", "reloadable_response_delay=1");
        await host.Options.SetAsync(new Dictionary<string, string> { ["reloadable_greeting"] = "set at run time" }, cancellationToken);
        Put("ReloadableV2");

        await host.Addons.ReloadAsync(Entry(host), cancellationToken);

        Assert.Multiple(() =>
        {
            Assert.That(host.Options.Find("reloadable_greeting")!.CurrentValue, Is.EqualTo("set at run time"));
            Assert.That(host.Options.Find("reloadable_response_delay")!.CurrentValue, Is.EqualTo(1));
        });
        Assert.That(await AnswerAsync(host), Is.EqualTo(("2", "set at run time")));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task AValueTheNewBuildHasNoOptionForFailsTheReloadAsItWouldTheStart(CancellationToken cancellationToken)
    {
        await using var host = await StartAsync("--set", "reloadable_only_1=true");
        Put("ReloadableV2");

        var reload = await host.Addons.ReloadAsync(Entry(host), cancellationToken);

        Assert.That(reload.Succeeded, Is.False);
        Assert.That(host.Logs.Errors.Select(e => e.Message), Has.Member(
            "Reload of plugin 'Reloadable' failed; the loaded build keeps running: --set reloadable_only_1=true: no loaded addon declares an option 'reloadable_only_1'; did you mean reloadable_only_2?"));
        Assert.That((await AnswerAsync(host)).Build, Is.EqualTo("1"));
        Assert.That(host.Options.Find("reloadable_only_1")!.CurrentValue, Is.EqualTo(true));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task ANewBuildWrittenOverAWatchedPluginIsReloadedOnceItsFilesAreQuiet(CancellationToken cancellationToken)
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Reloadable", PluginPath, 1, "\"Watch\": true")], "--Watch:QuietPeriod=200ms");
        await host.Addons.RunningAsync(CancellationToken.None);

        Put("ReloadableV2");

        while (!host.Logs.Lines.Any(l => l.Message == "Reloaded plugin 'Reloadable' (0.1.0)"))
        {
            await Task.Delay(50, cancellationToken);
        }

        Assert.That((await AnswerAsync(host)).Build, Is.EqualTo("2"));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Member("Plugin 'Reloadable': its build changed; reloading it"));
    }

    [Test]
    public async Task WithoutWatchAPluginLoadsToStayWithoutAGate()
    {
        await using var host = await TestHost.StartAsync([TestHost.Entry("Reloadable", PluginPath, 1)]);
        await host.Addons.RunningAsync(CancellationToken.None);

        var (gated, unloadable, collectible) = HowLoaded(host);
        var reload = await host.Addons.ReloadAsync(Entry(host), CancellationToken.None);

        Assert.That((gated, unloadable, collectible), Is.EqualTo((false, false, false)));
        Assert.That(reload.Reason, Is.EqualTo("it is not watched, so it was loaded to stay; set \"Watch\": true in its entry (Addons:Reloadable:Watch) or run with --watch."));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.None.StartsWith("Watching plugin"));
    }

    [Test]
    public async Task WatchOnTheCommandLineWatchesEveryPlugin()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Reloadable", PluginPath, 1), TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 2)], "--watch", "--Watch:QuietPeriod=10m");
        await host.Addons.RunningAsync(CancellationToken.None);

        Assert.That(HowLoaded(host), Is.EqualTo((true, true, true)));
        Assert.That(host.Chain.Addons.Where(a => a.Loader is not null).Select(a => (a.Entry.Watch, host.Chain.GateOf(a) is not null)), Is.All.EqualTo((true, true)));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Member($"Watching plugin 'Reloadable' ({PluginFolder}): a new build reloads it")
            .And.Member($"Watching plugin 'Recorder' ({Path.GetDirectoryName(TestPaths.TestPlugin("Recorder"))}): a new build reloads it"));
        Assert.That(host.Chain.Addons.Single(a => a.Name == "recorder").AssemblyPath, Is.EqualTo(TestPaths.TestPlugin("Recorder")), "loaded from memory, still named by its file");
    }

    /// <summary>Starts the host on build 1, watched, its watcher too slow to act (the tests reload themselves), and running.</summary>
    private Task<TestHost> StartAsync(params string[] args) => StartWithOptionsAsync("{}", args);

    /// <summary>As <see cref="StartAsync"/>, with the plugin's Options section in plugins.json.</summary>
    private async Task<TestHost> StartWithOptionsAsync(string options, params string[] args)
    {
        var host = await TestHost.StartAsync(
            [TestHost.Entry("Reloadable", PluginPath, 1, $"\"Watch\": true, \"Options\": {options}")], ["--Watch:QuietPeriod=10m", .. args]);
        await host.Addons.RunningAsync(CancellationToken.None);
        return host;
    }

    /// <summary>Copies the published build of test plugin <paramref name="project"/> over the plugin's folder.</summary>
    private void Put(string project)
    {
        Directory.CreateDirectory(PluginFolder);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "TestPlugins", project)))
        {
            File.Copy(file, Path.Combine(PluginFolder, Path.GetFileName(file)), overwrite: true);
        }
    }

    private static PluginEntry Entry(TestHost host) => host.Chain.Addons.Single(a => a.Entry.Id == "Reloadable").Entry;

    private static HookGate GateOf(TestHost host) => host.Chain.GateOf(host.Chain.Addons.Single(a => a.Entry.Id == "Reloadable"))!;

    private static (bool Gated, bool Unloadable, bool Collectible) HowLoaded(TestHost host)
    {
        var addon = host.Chain.Addons.Single(a => a.Entry.Id == "Reloadable");
        return (host.Chain.GateOf(addon) is not null, addon.Loader!.IsUnloadable, addon.Instance.GetType().Assembly.IsCollectible);
    }

    /// <summary>One flow through the chain: the build and greeting its response was stamped with.</summary>
    private static async Task<(string? Build, string? Greeting)> AnswerAsync(TestHost host)
    {
        var flow = FlowLifecycle.NewFlow("http://example.com/");
        await FlowLifecycle.RunRequestResponseAsync(host.Chain, flow);
        return (flow.Response!.Headers["X-Reloadable-Build"], flow.Response.Headers["X-Reloadable-Greeting"]);
    }

    // The command's result is an object of the plugin's own type: only its text leaves these methods.
    private static async Task<string> BuildInfoAsync(TestHost host) => (await host.ExecuteAsync("reloadable.build"))!.ToString()!;

    private static async Task<string> BuildInfoJsonAsync(TestHost host)
    {
        var result = await host.ExecuteAsync("reloadable.build");
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            CommandResultJson.Write(json, result);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static Announcements Listen(TestHost host)
    {
        var heard = new Announcements();
        host.Bus.Subscribe<string>(() => "test", heard.Add);
        return heard;
    }

    /// <summary>What the Reloadable builds announced on the bus, in order.</summary>
    private sealed class Announcements
    {
        private readonly List<string> _messages = [];

        public void Add(string message)
        {
            lock (_messages)
            {
                _messages.Add(message);
            }
        }

        public string[] All()
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }

        public string[] Lifecycle() => [.. All().Where(m => Array.Exists(ReloadTests.Lifecycle, h => m.EndsWith(":" + h, StringComparison.Ordinal)))];

        public async Task WaitForAsync(string message, CancellationToken cancellationToken)
        {
            while (!All().Contains(message))
            {
                await Task.Delay(5, cancellationToken);
            }
        }
    }
}
