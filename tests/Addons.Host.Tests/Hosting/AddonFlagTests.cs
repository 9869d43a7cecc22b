using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// <c>--addon PATH</c>, the addon author's loop (mitmdump's <c>-s addon.py</c>): a plugin's .dll, or its .csproj built
/// first, loaded beside the plugins of plugins.json as a required plugin named after its file.
/// </summary>
public sealed class AddonFlagTests
{
    private const string BrokenSource = """
        using Addons.Abstractions;

        [assembly: AddonEntryPoint(typeof(Broken.BrokenAddon))]

        namespace Broken;

        public sealed class BrokenAddon : Addon
        {
            private int _count = ;
        }
        """;

    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-flag-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task AnAddonDllLoadsAsARequiredPluginAfterTheConfiguredOnes()
    {
        var recorder = TestPaths.TestPlugin("Recorder");

        await using var host = await TestHost.StartAsync([TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 50)], "--addon", recorder);

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "second", "recorder" }));
        var entry = host.Chain.Addons.Single(a => a.Name == "recorder").Entry;
        Assert.Multiple(() =>
        {
            Assert.That(entry.Id, Is.EqualTo("Recorder"));
            Assert.That(entry.Required, Is.True);
            Assert.That(entry.Order, Is.EqualTo(51));
        });
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Some.EqualTo($"Loaded addon 'recorder' 0.1.0 (plugin Recorder, {recorder})"));
    }

    [Test]
    public async Task AnAddonsOrderCanBeGivenAsAConfigurationKey()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 50)], "--addon", TestPaths.TestPlugin("Recorder"), "--Addons:Recorder:Order=1");

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "recorder", "second" }));
    }

    [Test]
    public async Task AnAddonNamedLikeAConfiguredPluginTakesItsPlaceWithItsOrderAndOptions()
    {
        await using var host = await TestHost.StartAsync(
            [
                TestHost.Entry("Recorder", Path.Combine(_folder, "old", "Recorder.dll"), 5, "\"Options\": { \"recorder_count\": 7 }"),
                TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 10),
            ],
            "--addon", TestPaths.TestPlugin("Recorder"));

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "recorder", "second" }));
        Assert.That(host.Options.Find("recorder_count")!.CurrentValue, Is.EqualTo(7));
        Assert.That(host.Addons.Failures, Is.Empty);
    }

    [Test]
    public void AnAddonThatFailsToLoadStopsTheHost()
    {
        var missing = Path.Combine(_folder, "Gone.dll");

        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync([TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1)], "--addon", missing));

        Assert.That(ex!.Message, Is.EqualTo(
            $"Plugin 'Gone': {missing} does not exist (--addon {missing}); build or publish the plugin there, or fix the path. It was named by --addon, so the host does not start without it."));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task AnAddonProjectIsBuiltAndItsAssemblyLoaded(CancellationToken cancellationToken)
    {
        var project = AddonProject.Write(Path.Combine(_folder, "Greeter"), "Greeter", AddonProject.HelloSource("Greeter"));

        await using var host = await TestHost.StartAsync([], "--addon", project);

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "greeter" }));
        Assert.That(await host.ExecuteAsync("greeter.hello"), Is.EqualTo("hello from Greeter"));
        Assert.That(host.Chain.Addons.Single(a => a.Name == "greeter").AssemblyPath,
            Is.EqualTo(Path.Combine(_folder, "Greeter", "bin", "Debug", "net10.0", "Greeter.dll")));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Some.StartsWith($"Building plugin 'Greeter' from {project} (dotnet build, Debug)"));
    }

    [Test]
    [CancelAfter(180_000)]
    public void AnAddonProjectThatDoesNotBuildStopsTheHostWithTheBuildsOwnErrors(CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_folder, "Broken");
        var project = AddonProject.Write(folder, "Broken", BrokenSource);

        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync([], "--addon", project));

        Assert.That(ex!.Message, Is.EqualTo(
            $"Plugin 'Broken': dotnet build of {project} failed: {Path.Combine(folder, "Broken.cs")}(9,26): error CS1525: Invalid expression term ';'. It was named by --addon, so the host does not start without it."));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task AnAddonProjectWhoseBuildLeavesItsPackagesOutSaysHowToHaveThemCopied(CancellationToken cancellationToken)
    {
        const string Source = """
            using Addons.Abstractions;

            [assembly: AddonEntryPoint(typeof(Packaged.PackagedAddon))]

            namespace Packaged;

            public sealed class PackagedAddon : Addon
            {
                public override void Load(IAddonLoader loader) =>
                    loader.AddCommand("packaged.json", () => Newtonsoft.Json.JsonConvert.SerializeObject(1), "Uses a package.");
            }
            """;
        var folder = Path.Combine(_folder, "Packaged");
        var project = AddonProject.Write(folder, "Packaged", Source, "<PackageReference Include=\"Newtonsoft.Json\" Version=\"13.0.3\" />", dynamicLoading: false);
        var output = Path.Combine(folder, "bin", "Debug", "net10.0") + Path.DirectorySeparatorChar;

        // The real host: the test process itself has Newtonsoft.Json, which the plugin would find there.
        var (code, _, log) = await RunAsync(["--addon", project], cancellationToken);

        Assert.That(code, Is.EqualTo(1), log);
        Assert.That(log, Does.Contain(
            $"Plugin 'Packaged': {output}Packaged.dll needs Newtonsoft.Json 13.0.0.0, which is not in {output} nor shared by the host; set <EnableDynamicLoading>true</EnableDynamicLoading> in {project}, so that dotnet build copies the plugin's dependencies beside it. It was named by --addon, so the host does not start without it."));
    }

    [Test]
    [CancelAfter(120_000)]
    public async Task TheHostProcessLoadsAnAddonBesideItsPluginsAndExitsZero(CancellationToken cancellationToken)
    {
        var (code, _, log) = await RunAsync(["--addon", TestPaths.TestPlugin("Recorder")], cancellationToken);

        Assert.That(code, Is.Zero, log);
        Assert.That(log, Does.Contain($"Loaded addon 'view' ").And.Contain($"Loaded addon 'recorder' 0.1.0 (plugin Recorder, {TestPaths.TestPlugin("Recorder")})"));
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task TheHostProcessExitsOneWithOneSentenceWhenAnAddonProjectDoesNotBuild(CancellationToken cancellationToken)
    {
        var project = AddonProject.Write(Path.Combine(_folder, "Broken"), "Broken", BrokenSource);

        var (code, output, log) = await RunAsync(["--addon", project], cancellationToken);

        Assert.That(code, Is.EqualTo(1), log);
        Assert.That(output, Is.Empty);
        Assert.That(log, Does.Contain($"Plugin 'Broken': dotnet build of {project} failed: ").And.Contain("error CS1525: Invalid expression term ';'."));
        Assert.That(log, Does.Not.Contain("   at ").And.Not.Contain("Build FAILED").And.Not.Contain("Running with "));
    }

    private async Task<(int Code, string Output, string Log)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var plugins = Path.Combine(_folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, $$"""{ "Addons": { "View": { "Path": {{TestPaths.Json(TestPaths.ShippedPlugin("View"))}}, "Order": 1 } } }""", cancellationToken);
        var har = Path.Combine(_folder, "empty.har");
        await File.WriteAllTextAsync(har, """{ "log": { "version": "1.2", "creator": { "name": "test", "version": "1" }, "entries": [] } }""", cancellationToken);
        return await HostProcess.RunSeparatelyAsync(plugins, _folder, ["-n", "-r", har, .. args], TimeSpan.FromSeconds(150), cancellationToken);
    }
}
