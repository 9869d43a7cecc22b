namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// Every package of the solution (the contract Addons.Abstractions, Addons.Host, Addons.Testing, the tool addons-host
/// and the template package Addons.Templates) packed into a local feed once per test run, by <c>dotnet pack</c> of the
/// solution from the run's own build, for every test that works as a third-party author does (<see
/// cref="AuthorFolder"/>). <see cref="TestRun"/> deletes it at the end of the run.
/// </summary>
internal sealed class PackageFeed
{
    private const string ContractId = "Addons.Abstractions";
    private static readonly Lazy<Task<PackageFeed>> Packed = new(PackAsync);
    private static string? _folder;

    private PackageFeed(string source, string packages)
    {
        Source = source;
        Packages = packages;
        Package = PackageOf(ContractId);
        Version = VersionOf(ContractId);
    }

    /// <summary>The feed: a folder of .nupkg files.</summary>
    public string Source { get; }

    /// <summary>The contract's package file, Addons.Abstractions.&lt;version&gt;.nupkg.</summary>
    public string Package { get; }

    /// <summary>The contract package's version, Major.Minor.Patch.</summary>
    public string Version { get; }

    /// <summary>
    /// The NuGet packages folder of every build against this feed. It is the run's own: a package packed again under the
    /// same version would otherwise come from the machine's, as it was the first time.
    /// </summary>
    public string Packages { get; }

    /// <summary>The feed, packed by the first caller of the run.</summary>
    public static Task<PackageFeed> GetAsync() => Packed.Value;

    /// <summary>Deletes the feed and its packages folder, if this run packed one.</summary>
    public static void DeleteIfPacked()
    {
        if (_folder is not null && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>The file of the package <paramref name="id"/>; fails the test if the feed has none or several.</summary>
    public string PackageOf(string id)
    {
        var matches = Directory.GetFiles(Source, "*.nupkg").Where(f => IsVersionOf(Path.GetFileNameWithoutExtension(f), id)).ToList();
        Assert.That(matches, Has.Count.EqualTo(1), $"the feed holds one package {id}");
        return matches[0];
    }

    /// <summary>The version of the package <paramref name="id"/> in the feed.</summary>
    public string VersionOf(string id) => Path.GetFileNameWithoutExtension(PackageOf(id))[(id.Length + 1)..];

    /// <summary>
    /// A nuget.config listing this feed and the machine's packages folder (for the packages' own dependencies and any
    /// package a plugin uses that the machine has), and nothing else: no network. The project's packages come from the
    /// feed only, never from a copy of the same version the machine restored before.
    /// </summary>
    public string NuGetConfig() => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="feed" value="{Source}" />
            <add key="machine" value="{MachinePackagesFolder()}" />
          </packageSources>
          <packageSourceMapping>
            <packageSource key="feed">
              <package pattern="Addons.*" />
              <package pattern="addons-host" />
            </packageSource>
            <packageSource key="machine">
              <package pattern="*" />
            </packageSource>
          </packageSourceMapping>
        </configuration>
        """;

    // Addons.Host.0.1.0 is a version of Addons.Host, not of Addons.
    private static bool IsVersionOf(string name, string id) =>
        name.StartsWith(id + ".", StringComparison.OrdinalIgnoreCase) && char.IsAsciiDigit(name[id.Length + 1]);

    private static async Task<PackageFeed> PackAsync()
    {
        var folder = Directory.CreateTempSubdirectory("addons-feed-").FullName;
        _folder = folder;
        var source = Path.Combine(folder, "feed");

        // From the build this run tests (--no-build): the packages hold exactly the assemblies under test.
        await DotnetCli.RunAsync(folder, null, CancellationToken.None,
            "pack", Path.Combine(TestPaths.Repository, "Addons.sln"), "--no-build", "-c", TestPaths.Configuration, "-o", source);
        return new PackageFeed(source, Path.Combine(folder, "packages"));
    }

    private static string MachinePackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
