namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// The contract packed as the package Addons.Abstractions into a local feed, once per test run, for every test that
/// builds a plugin as a third-party author does (<see cref="AuthorFolder"/>). <see cref="TestRun"/> deletes it at the
/// end of the run.
/// </summary>
internal sealed class ContractFeed
{
    private static readonly Lazy<Task<ContractFeed>> Packed = new(PackAsync);
    private static string? _folder;

    private ContractFeed(string source, string package, string packages)
    {
        Source = source;
        Package = package;
        Packages = packages;
        Version = Path.GetFileNameWithoutExtension(package)["Addons.Abstractions.".Length..];
    }

    /// <summary>The feed: a folder holding the one package.</summary>
    public string Source { get; }

    /// <summary>The package file, Addons.Abstractions.&lt;version&gt;.nupkg.</summary>
    public string Package { get; }

    /// <summary>The package's version, Major.Minor.Patch.</summary>
    public string Version { get; }

    /// <summary>
    /// The NuGet packages folder of every build against this feed. It is the run's own: a package packed again under the
    /// same version would otherwise come from the machine's, as it was the first time.
    /// </summary>
    public string Packages { get; }

    /// <summary>The feed, packed by the first caller of the run.</summary>
    public static Task<ContractFeed> GetAsync() => Packed.Value;

    /// <summary>Deletes the feed and its packages folder, if this run packed one.</summary>
    public static void DeleteIfPacked()
    {
        if (_folder is not null && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    /// <summary>
    /// A nuget.config listing this feed and the machine's packages folder (for the contract's own dependencies and any
    /// package a plugin uses that the machine has), and nothing else: no network. The contract comes from the feed
    /// only, never from a copy of the same version the machine restored before.
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
              <package pattern="Addons.Abstractions" />
            </packageSource>
            <packageSource key="machine">
              <package pattern="*" />
            </packageSource>
          </packageSourceMapping>
        </configuration>
        """;

    private static async Task<ContractFeed> PackAsync()
    {
        var folder = Directory.CreateTempSubdirectory("addons-feed-").FullName;
        _folder = folder;
        var source = Path.Combine(folder, "feed");

        // Its own artifacts folder keeps the repository's bin and obj untouched.
        await DotnetCli.RunAsync(folder, null, CancellationToken.None,
            "pack", TestPaths.ContractProject, "--artifacts-path", Path.Combine(folder, "artifacts"), "-o", source);
        return new ContractFeed(source, Directory.GetFiles(source, "*.nupkg").Single(), Path.Combine(folder, "packages"));
    }

    private static string MachinePackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
