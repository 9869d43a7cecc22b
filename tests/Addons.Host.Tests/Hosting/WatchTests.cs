using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// <c>--addon Project.csproj --watch</c>, the author's loop (mitmdump's <c>-s</c> reloading a script on save): saving a
/// source builds the project again and reloads the addon; a source that does not build leaves the loaded build running
/// and says the compiler's first error.
/// </summary>
public sealed class WatchTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-watch-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(300_000)]
    public async Task SavingASourceRebuildsTheProjectAndReloadsItOrSaysWhyNot(CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_folder, "Greeter");
        var project = AddonProject.Write(folder, "Greeter", Source("hello"));
        await using var host = await TestHost.StartAsync([], "--addon", project, "--watch", "--Watch:QuietPeriod=300ms");
        await host.Addons.RunningAsync(CancellationToken.None);
        Assert.That(await host.ExecuteAsync("greeter.hello"), Is.EqualTo("hello"));

        // A save that does not build: the compiler's first error, in one sentence; the loaded build answers still.
        await File.WriteAllTextAsync(Path.Combine(folder, "Greeter.cs"), Source("\"broken\"; int x = ;"), cancellationToken);
        var failed = await WaitForLogAsync(host, "Reload of plugin 'Greeter' failed", cancellationToken);
        Assert.That(failed, Does.Match(
            $@"^Reload of plugin 'Greeter' failed; the loaded build keeps running: dotnet build of {Escape(project)} failed: {Escape(Path.Combine(folder, "Greeter.cs"))}\(\d+,\d+\): error CS\d+: [^;]+(; and \d+ more errors?)?\.$"));
        Assert.That(await host.ExecuteAsync("greeter.hello"), Is.EqualTo("hello"));

        await File.WriteAllTextAsync(Path.Combine(folder, "Greeter.cs"), Source("hello again"), cancellationToken);
        await WaitForLogAsync(host, "Reloaded plugin 'Greeter'", cancellationToken);
        Assert.That(await host.ExecuteAsync("greeter.hello"), Is.EqualTo("hello again"));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Member($"Watching plugin 'Greeter' (the sources in {folder}): a new build reloads it"));
    }

    private static string Source(string greeting) => $$"""
        using Addons.Abstractions;

        [assembly: AddonEntryPoint(typeof(Greeter.GreeterAddon))]

        namespace Greeter;

        public sealed class GreeterAddon : Addon
        {
            public override void Load(IAddonLoader loader) => loader.AddCommand("greeter.hello", () => {{(greeting.StartsWith('"') ? greeting : $"\"{greeting}\"")}}, "Says hello.");
        }
        """;

    private static string Escape(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    private static async Task<string> WaitForLogAsync(TestHost host, string start, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (host.Logs.Lines.Select(l => l.Message).FirstOrDefault(m => m.StartsWith(start, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
