using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Loading;

/// <summary>
/// A plugin's dependencies are resolved through its own load context when it loads, so that one missing from its
/// folder is a load failure naming it, not a FileNotFoundException on every flow.
/// </summary>
public sealed class PluginDependencyTests
{
    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("addons-deps-").FullName + Path.DirectorySeparatorChar;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [Test]
    public async Task APluginCopiedWithItsDependenciesLoadsAndUsesThem()
    {
        var plugin = CopyPlugin("LibraryUser");

        await using var host = await TestHost.StartAsync([TestHost.Entry("User", plugin, 1)]);

        Assert.That(host.Addons.Failures, Is.Empty);
        Assert.That(await host.ExecuteAsync("libraryuser.greet", "you"), Is.EqualTo("Hello, you"));
    }

    [Test]
    public async Task ADependencyMissingFromThePluginsFolderIsALoadFailureNamingItAndItsVersion()
    {
        var plugin = CopyPlugin("LibraryUser", leaveOut: "TinyLibrary.dll");

        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("User", plugin, 1), TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 2)]);

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "recorder" }));
        Assert.That(host.Addons.Failures.Single(), Is.EqualTo(
            $"Plugin 'User': {plugin} needs TinyLibrary 2.1.0.0, which is not in {_folder} nor shared by the host; publish the plugin with its dependencies (dotnet publish)."));
    }

    [Test]
    public async Task AnOlderVersionOfADependencyInThePluginsFolderIsALoadFailureNamingBothVersions()
    {
        var plugin = CopyPlugin("JsonV13");
        File.Copy(Path.Combine(Path.GetDirectoryName(TestPaths.TestPlugin("JsonV12"))!, "Newtonsoft.Json.dll"), Path.Combine(_folder, "Newtonsoft.Json.dll"), overwrite: true);

        await using var host = await TestHost.StartAsync([TestHost.Entry("Json", plugin, 1)]);

        Assert.That(host.PluginAddonNames, Is.Empty);
        Assert.That(host.Addons.Failures.Single(), Is.EqualTo(
            $"Plugin 'Json': {plugin} needs Newtonsoft.Json 13.0.0.0, but {_folder}Newtonsoft.Json.dll is 12.0.0.0; publish the plugin with its dependencies (dotnet publish)."));
    }

    [Test]
    public async Task ADependencyThatIsNotAnAssemblyIsALoadFailureNamingTheFile()
    {
        var plugin = CopyPlugin("LibraryUser");
        await File.WriteAllTextAsync(Path.Combine(_folder, "TinyLibrary.dll"), "not an assembly");

        await using var host = await TestHost.StartAsync([TestHost.Entry("User", plugin, 1)]);

        Assert.That(host.PluginAddonNames, Is.Empty);
        Assert.That(host.Addons.Failures.Single(), Is.EqualTo(
            $"Plugin 'User': {plugin} needs TinyLibrary 2.1.0.0, but {_folder}TinyLibrary.dll is not a .NET assembly; publish the plugin with its dependencies (dotnet publish)."));
    }

    [Test]
    public async Task ADependencyFileHoldingAnotherAssemblyIsALoadFailureNamingTheFile()
    {
        var plugin = CopyPlugin("LibraryUser");
        File.Copy(TestPaths.TestPlugin("Recorder"), Path.Combine(_folder, "TinyLibrary.dll"), overwrite: true);

        await using var host = await TestHost.StartAsync([TestHost.Entry("User", plugin, 1)]);

        Assert.That(host.PluginAddonNames, Is.Empty);
        Assert.That(host.Addons.Failures.Single(), Is.EqualTo(
            $"Plugin 'User': {plugin} needs TinyLibrary 2.1.0.0, but {_folder}TinyLibrary.dll is Recorder 0.1.0.0; publish the plugin with its dependencies (dotnet publish)."));
    }

    [Test]
    public async Task AMalformedDependencyManifestIsALoadFailureNotACrash()
    {
        var plugin = CopyPlugin("LibraryUser");
        await File.WriteAllTextAsync(Path.Combine(_folder, "LibraryUser.deps.json"), "{ broken");

        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("User", plugin, 1), TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 2)]);

        Assert.That(host.PluginAddonNames, Is.EqualTo(new[] { "recorder" }));
        Assert.That(host.Addons.Failures.Single(), Does.StartWith(
            $"Plugin 'User': the runtime cannot read the dependencies of {plugin} (Failed to parse file [{_folder}LibraryUser.deps.json].").And.EndWith(
            "); publish the plugin again (dotnet publish)."));
    }

    [Test]
    public void ARequiredPluginWithAMissingDependencyStopsTheHostFromStarting()
    {
        var plugin = CopyPlugin("LibraryUser", leaveOut: "TinyLibrary.dll");

        var ex = Assert.ThrowsAsync<AddonHostException>(() => TestHost.StartAsync([TestHost.Entry("User", plugin, 1, "\"Required\": true")]));

        Assert.That(ex!.Message, Is.EqualTo(
            $"Plugin 'User': {plugin} needs TinyLibrary 2.1.0.0, which is not in {_folder} nor shared by the host; publish the plugin with its dependencies (dotnet publish). Addons:User:Required is true, so the host does not start without it."));
    }

    /// <summary>Copies a test plugin's published folder into this test's folder, leaving out one file; returns its main assembly.</summary>
    private string CopyPlugin(string name, string? leaveOut = null)
    {
        var source = Path.GetDirectoryName(TestPaths.TestPlugin(name))!;
        foreach (var file in Directory.EnumerateFiles(source))
        {
            if (Path.GetFileName(file) != leaveOut)
            {
                File.Copy(file, Path.Combine(_folder, Path.GetFileName(file)));
            }
        }

        return Path.Combine(_folder, name + ".dll");
    }
}
