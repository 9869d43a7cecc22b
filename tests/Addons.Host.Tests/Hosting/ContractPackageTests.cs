using System.Diagnostics;
using System.IO.Compression;
using Addons.Abstractions;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

/// <summary>
/// Issue 17, the addon author's kit, end to end: the contract packed as the package Addons.Abstractions, a plugin
/// outside the repository that references that package and nothing else, and the real host running that plugin on a
/// flow through its proxy.
/// </summary>
public sealed class ContractPackageTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    [Test]
    [CancelAfter(900_000)]
    public async Task A_plugin_referencing_only_the_package_builds_without_the_contract_and_acts_on_a_flow(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("addons-package-").FullName;
        try
        {
            var repository = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(TestPaths.ContractProject)!, "../.."));
            Assert.That(folder, Does.Not.StartWith(repository), "the plugin is built outside the repository, as an author builds it");

            // One pack, into a feed folder. Its own artifacts folder keeps the repository's bin and obj untouched.
            var feed = Path.Combine(folder, "feed");
            await DotnetAsync(folder, null, cancellationToken,
                "pack", TestPaths.ContractProject, "--artifacts-path", Path.Combine(folder, "artifacts"), "-o", feed);
            var package = Directory.GetFiles(feed, "*.nupkg").Single();
            var version = Path.GetFileNameWithoutExtension(package)["Addons.Abstractions.".Length..];
            var contract = typeof(Addon).Assembly.GetName().Version!;
            Assert.That(version, Does.Match($@"^{contract.Major}\.{contract.Minor}\.\d+$"), "the package is Major.Minor.Patch of the host's contract");
            using (var zip = ZipFile.OpenRead(package))
            {
                Assert.That(zip.Entries.Select(e => e.FullName), Is.SupersetOf(new[]
                {
                    "lib/net10.0/Addons.Abstractions.dll", "lib/net10.0/Addons.Abstractions.xml", "README.md",
                    "buildTransitive/Addons.Abstractions.props", "buildTransitive/Addons.Abstractions.targets",
                }));
            }

            // The author's project: a plain PackageReference. The empty Directory.Build files stop MSBuild's search
            // upward, and the nuget.config lists the feed and the machine's packages folder only (no network).
            var project = Path.Combine(folder, "Stamp");
            Directory.CreateDirectory(project);
            foreach (var stop in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            {
                await File.WriteAllTextAsync(Path.Combine(folder, stop), "<Project />\n", cancellationToken);
            }

            await File.WriteAllTextAsync(Path.Combine(folder, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="feed" value="{feed}" />
                    <add key="machine" value="{MachinePackagesFolder()}" />
                  </packageSources>
                </configuration>
                """, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(project, "Stamp.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Addons.Abstractions" Version="{version}" />
                  </ItemGroup>
                </Project>
                """, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(project, "StampAddon.cs"), """
                using Addons.Abstractions;
                using Addons.Abstractions.Hooks;

                [assembly: AddonEntryPoint(typeof(Stamp.StampAddon))]

                namespace Stamp;

                public sealed class StampAddon : Addon
                {
                    // Where the contract this addon runs against was loaded from: the host's folder, if it is shared.
                    public override ValueTask ResponseAsync(HttpFlowContext context)
                    {
                        context.Flow.Response?.Headers.Set("X-Contract-Folder", Path.GetDirectoryName(typeof(Addon).Assembly.Location)!);
                        return default;
                    }
                }
                """, cancellationToken);

            // One publish (it builds first), with a packages folder of its own: a package packed again under the same
            // version would otherwise come from the machine's cache.
            var published = Path.Combine(folder, "published");
            await DotnetAsync(project, Path.Combine(folder, "packages"), cancellationToken,
                "publish", "-c", "Release", "-o", published);
            foreach (var output in new[] { Path.Combine(project, "bin", "Release", "net10.0"), published })
            {
                var files = Directory.GetFiles(output).Select(Path.GetFileName).ToList();
                Assert.That(files, Does.Contain("Stamp.dll").And.Contain("Stamp.deps.json").And.Contain("Stamp.runtimeconfig.json"), output);
                Assert.That(files, Does.Not.Contain("Addons.Abstractions.dll"), $"{output} has no copy of the contract");
            }

            // One host run with that plugin alone, and one request through its proxy to a loopback origin.
            await using var origin = await KestrelOrigin.StartAsync(folder);
            var plugins = Path.Combine(folder, "plugins.json");
            await File.WriteAllTextAsync(plugins, $$"""
                { "Addons": { "Stamp": { "Path": {{TestPaths.Json(Path.Combine(published, "Stamp.dll"))}}, "Required": true } } }
                """, cancellationToken);
            await using var host = await ProxyProcess.StartAsync(plugins, folder, [], cancellationToken);
            using var client = new HttpClient(new SocketsHttpHandler { Proxy = new System.Net.WebProxy($"http://{host.Proxy}") });
            using var response = await client.GetAsync(origin.Http("/hello"), cancellationToken);

            Assert.That(await response.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("hello"));
            Assert.That(response.Headers.TryGetValues("X-Contract-Folder", out var stamped) ? stamped.Single() : null,
                Is.EqualTo(Path.TrimEndingDirectorySeparator(TestPaths.HostOutput)), "the addon acted on the flow, against the host's own contract\n" + host.Log);
            Assert.That(host.Log, Does.Contain("Loaded addon 'stamp'"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="directory"/> to its end, one at a time, and
    /// fails the test with its output if it fails; <paramref name="packages"/> is its NuGet packages folder, if not the
    /// machine's.
    /// </summary>
    private static async Task DotnetAsync(string directory, string? packages, CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [.. args, "--nologo", "--disable-build-servers", "-p:NuGetAudit=false"])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // `dotnet test` passes its own MSBuild settings down to the test host; a child build starts clean.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        if (packages is not null)
        {
            start.Environment["NUGET_PACKAGES"] = packages;
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(StepTimeout, cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        TestContext.Out.WriteLine($"dotnet {args[0]}: {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.That(process.ExitCode, Is.Zero, $"dotnet {string.Join(' ', args)} failed:\n{await output}{await errors}");
    }

    /// <summary>The machine's NuGet packages folder, a local source for the contract's own dependencies.</summary>
    private static string MachinePackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
