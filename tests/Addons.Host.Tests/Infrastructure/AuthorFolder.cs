namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// A folder outside the repository set up as a third-party author's machine would be: a nuget.config naming the
/// run's package feed and the machine's packages folder only, and empty Directory.Build files so that no MSBuild settings
/// from folders above apply. Plugins built here reference the package Addons.Abstractions and nothing of the
/// repository. Disposing it deletes it.
/// </summary>
internal sealed class AuthorFolder : IDisposable
{
    private AuthorFolder(string folder, PackageFeed feed)
    {
        Folder = folder;
        Feed = feed;
    }

    /// <summary>The folder.</summary>
    public string Folder { get; }

    /// <summary>The feed its builds restore the contract, the test kit, the template and the host tool from.</summary>
    public PackageFeed Feed { get; }

    /// <summary>Makes a new temporary folder named <paramref name="prefix"/>… and packs the packages if the run has not yet.</summary>
    public static async Task<AuthorFolder> CreateAsync(string prefix, CancellationToken cancellationToken)
    {
        var feed = await PackageFeed.GetAsync();
        var path = Directory.CreateTempSubdirectory(prefix).FullName;
        Assert.That(path, Does.Not.StartWith(TestPaths.Repository), "plugins are built outside the repository, as an author builds them");
        foreach (var stop in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            await File.WriteAllTextAsync(Path.Combine(path, stop), "<Project />\n", cancellationToken);
        }

        await File.WriteAllTextAsync(Path.Combine(path, "nuget.config"), feed.NuGetConfig(), cancellationToken);
        return new AuthorFolder(path, feed);
    }

    /// <summary>Copies the repository's <c>samples/<paramref name="name"/></c> here, as an author copies a sample out, and returns where.</summary>
    public string CopySample(string name)
    {
        var source = TestPaths.Sample(name);
        var target = Path.Combine(Folder, name);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj")
            {
                continue; // what a build in the repository left, not the sample
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }

        return target;
    }

    /// <summary>Runs <c>dotnet</c> in <paramref name="directory"/> (in this folder), restoring from the feed; returns its output.</summary>
    public Task<string> DotnetAsync(string directory, CancellationToken cancellationToken, params string[] args) =>
        DotnetCli.RunAsync(directory, Feed.Packages, Home, cancellationToken, args);

    /// <summary>How to start <paramref name="fileName"/> in <paramref name="directory"/> as this folder's builds run: with the feed's packages folder.</summary>
    public System.Diagnostics.ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, string directory) =>
        DotnetCli.Start(fileName, args, directory, Feed.Packages, Home);

    // The CLI's home of this folder's commands: the templates they install and the local tools they resolve are its own,
    // never the machine's (whose tool cache may point at another run's copy of the same version).
    private string Home => Path.Combine(Folder, ".dotnet-home");

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
