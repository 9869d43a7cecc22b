using Addons.Host.Loading;
using Microsoft.Extensions.Logging.Abstractions;

namespace Addons.Host.Tests.Loading;

/// <summary>The watcher on real folders, with a short quiet period: what a build writes is one reload, at its end.</summary>
public sealed class PluginWatcherTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    private string _folder = null!;
    private int _reloads;

    [SetUp]
    public void SetUp()
    {
        _folder = Directory.CreateTempSubdirectory("addons-watch-").FullName;
        _reloads = 0;
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    [CancelAfter(20_000)]
    public async Task AFolderOfWritesIsOneReloadOnceTheyHaveBeenQuiet(CancellationToken cancellationToken)
    {
        var plugin = Write("Mine.dll", "build 1");
        await using var watcher = PluginWatcher.ForAssembly("Mine", plugin, Quiet, Reload, NullLogger.Instance);

        // A build writing its files over a second, never quiet for as long as the quiet period.
        for (var i = 0; i < 10; i++)
        {
            Write(i % 2 == 0 ? "Mine.dll" : "Mine.deps.json", $"build 2, part {i}");
            await Task.Delay(100, cancellationToken);
            Assert.That(_reloads, Is.Zero, $"reloaded while still being written, after part {i}");
        }

        await WaitForReloadsAsync(1, cancellationToken);
        await Task.Delay(Quiet * 3, cancellationToken);
        Assert.That(_reloads, Is.EqualTo(1));
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task ChangesThatLeaveTheAssembliesAsTheyWereAreNoReload(CancellationToken cancellationToken)
    {
        var plugin = Write("Mine.dll", "build 1");
        await using var watcher = PluginWatcher.ForAssembly("Mine", plugin, Quiet, Reload, NullLogger.Instance);

        Write("Mine.pdb", "symbols");
        Write("notes.txt", "notes");
        await Task.Delay(Quiet * 4, cancellationToken);
        Assert.That(_reloads, Is.Zero);

        Write("Mine.dll", "build two");
        await WaitForReloadsAsync(1, cancellationToken);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task AProjectIsReloadedForItsSourcesAndNotForWhatItsBuildWrites(CancellationToken cancellationToken)
    {
        Write("Mine.csproj", "<Project />");
        Write("MineAddon.cs", "class A {}");
        await using var watcher = PluginWatcher.ForProject("Mine", Path.Combine(_folder, "Mine.csproj"), Quiet, Reload, NullLogger.Instance);

        Write(Path.Combine("bin", "Debug", "net10.0", "Mine.dll"), "built");
        Write(Path.Combine("obj", "Debug", "net10.0", "Mine.AssemblyInfo.cs"), "generated");
        Write("README.md", "docs");
        await Task.Delay(Quiet * 4, cancellationToken);
        Assert.That(_reloads, Is.Zero);

        Write(Path.Combine("Hooks", "Response.cs"), "class B {}");
        await WaitForReloadsAsync(1, cancellationToken);

        // An editor saving by renaming a temporary file over the source.
        Write("MineAddon.cs.tmp", "class A { int x; }");
        File.Move(Path.Combine(_folder, "MineAddon.cs.tmp"), Path.Combine(_folder, "MineAddon.cs"), overwrite: true);
        await WaitForReloadsAsync(2, cancellationToken);
    }

    private Task Reload(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reloads);
        return Task.CompletedTask;
    }

    private async Task WaitForReloadsAsync(int count, CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _reloads) < count)
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
