using Addons.Host.Configuration;
using Addons.Host.Loading;
using Addons.Host.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Addons.Host.Tests.Loading;

/// <summary>How building an --addon's project fails: each way is one sentence naming the plugin and the project.</summary>
public sealed class PluginProjectBuilderTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-build-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void WithoutTheDotnetCommandTheSentenceSaysTheSdkIsNeeded()
    {
        var project = AddonProject.Write(_folder, "Mine", AddonProject.HelloSource("Mine"));
        var dotnet = Path.Combine(_folder, "no-sdk", "dotnet");
        var builder = new PluginProjectBuilder(NullLogger<PluginProjectBuilder>.Instance, dotnet);

        var ex = Assert.ThrowsAsync<AddonHostException>(() => builder.BuildAsync(Entry(project), project, CancellationToken.None));

        Assert.That(ex!.Message, Does.StartWith($"Plugin 'Mine': building {project} needs the .NET SDK, but {dotnet} could not be started (").And.EndWith(
            "); install the .NET SDK, or give --addon the built .dll."));
    }

    [Test]
    [CancelAfter(180_000)]
    public void AProjectWithSeveralTargetFrameworksIsRefusedWithWhatToGiveInstead(CancellationToken cancellationToken)
    {
        var project = AddonProject.Write(_folder, "Mine", AddonProject.HelloSource("Mine"));
        File.WriteAllText(project, File.ReadAllText(project).Replace("<TargetFramework>net10.0</TargetFramework>", "<TargetFrameworks>net10.0</TargetFrameworks>", StringComparison.Ordinal));
        var builder = new PluginProjectBuilder(NullLogger<PluginProjectBuilder>.Instance);

        var ex = Assert.ThrowsAsync<AddonHostException>(() => builder.BuildAsync(Entry(project), project, cancellationToken));

        Assert.That(ex!.Message, Is.EqualTo(
            $"Plugin 'Mine': dotnet build of {project} built no single assembly to load (does it target several frameworks?); give --addon the .dll built for net10.0."));
    }

    private static PluginEntry Entry(string project) =>
        new("Mine", project, [project], true, 1, true, new ConfigurationBuilder().Build().GetSection("Options")) { Argument = new AddonArgument(project) };
}
