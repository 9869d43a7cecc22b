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
    [Test]
    [CancelAfter(900_000)]
    public async Task A_plugin_referencing_only_the_package_builds_without_the_contract_and_acts_on_a_flow(CancellationToken cancellationToken)
    {
        using var author = await AuthorFolder.CreateAsync("addons-package-", cancellationToken);
        var feed = author.Feed;
        var contract = typeof(Addon).Assembly.GetName().Version!;
        Assert.That(feed.Version, Does.Match($@"^{contract.Major}\.{contract.Minor}\.\d+$"), "the package is Major.Minor.Patch of the host's contract");
        using (var zip = ZipFile.OpenRead(feed.Package))
        {
            Assert.That(zip.Entries.Select(e => e.FullName), Is.SupersetOf(new[]
            {
                "lib/net10.0/Addons.Abstractions.dll", "lib/net10.0/Addons.Abstractions.xml", "README.md",
                "buildTransitive/Addons.Abstractions.props", "buildTransitive/Addons.Abstractions.targets",
            }));
        }

        // The author's project: a plain PackageReference, in a folder whose nuget.config names the feed.
        var project = Path.Combine(author.Folder, "Stamp");
        Directory.CreateDirectory(project);
        await File.WriteAllTextAsync(Path.Combine(project, "Stamp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Addons.Abstractions" Version="{feed.Version}" />
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

        // One publish (it builds first).
        var published = Path.Combine(author.Folder, "published");
        await author.DotnetAsync(project, cancellationToken, "publish", "-c", "Release", "-o", published);
        foreach (var output in new[] { Path.Combine(project, "bin", "Release", "net10.0"), published })
        {
            var files = Directory.GetFiles(output).Select(Path.GetFileName).ToList();
            Assert.That(files, Does.Contain("Stamp.dll").And.Contain("Stamp.deps.json").And.Contain("Stamp.runtimeconfig.json"), output);
            Assert.That(files, Does.Not.Contain("Addons.Abstractions.dll"), $"{output} has no copy of the contract");
        }

        // One host run with that plugin alone, and one request through its proxy to a loopback origin.
        await using var origin = await KestrelOrigin.StartAsync(author.Folder);
        var plugins = Path.Combine(author.Folder, "plugins.json");
        await File.WriteAllTextAsync(plugins, $$"""
            { "Addons": { "Stamp": { "Path": {{TestPaths.Json(Path.Combine(published, "Stamp.dll"))}}, "Required": true } } }
            """, cancellationToken);
        await using var host = await ProxyProcess.StartAsync(plugins, author.Folder, [], cancellationToken);
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new System.Net.WebProxy($"http://{host.Proxy}") });
        using var response = await client.GetAsync(origin.Http("/hello"), cancellationToken);

        Assert.That(await response.Content.ReadAsStringAsync(cancellationToken), Is.EqualTo("hello"));
        Assert.That(response.Headers.TryGetValues("X-Contract-Folder", out var stamped) ? stamped.Single() : null,
            Is.EqualTo(Path.TrimEndingDirectorySeparator(TestPaths.HostOutput)), "the addon acted on the flow, against the host's own contract\n" + host.Log);
        Assert.That(host.Log, Does.Contain("Loaded addon 'stamp'"));
    }
}
