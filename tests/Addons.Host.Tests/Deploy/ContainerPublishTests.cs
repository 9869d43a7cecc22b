using System.Runtime.Versioning;
using System.Text.Json;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Deploy;

/// <summary>
/// The SDK's own container publishing (<c>dotnet publish -t:PublishContainer</c>) with addons-host.csproj's settings,
/// on a base image pulled from a registry on loopback: build-image.sh --base-only stands in for Microsoft's
/// runtime-deps image, which no registry reachable here serves. The image is then run as a runtime would run it.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ContainerPublishTests
{
    private const string Home = "/home/app";
    private const int AppId = 1654;

    private string _folder = null!;
    private ImageArchive _base = null!;
    private ImageArchive _image = null!;

    [OneTimeSetUp]
    public async Task PublishTheImageAsync()
    {
        if (BuildImage.Unavailable is { } reason)
        {
            Assert.Ignore(reason);
        }

        _folder = Directory.CreateTempSubdirectory("addons-sdk-image-").FullName;
        _base = await BuildImage.RunAsync(_folder, "base.tar", "--base-only");
        await using var registry = await OciRegistry.StartAsync(_base);
        var archive = Path.Combine(_folder, "sdk-image.tar");
        var (code, output) = await ContainerRun.RunAsync(TimeSpan.FromMinutes(10), "dotnet",
            "publish", Path.Combine(TestPaths.Repository, "host", "addons-host"), "-c", "Release", "-r", "linux-x64", "--self-contained",
            "-t:PublishContainer", $"-p:ContainerBaseImage={registry.Reference("dotnet/runtime-deps", "10.0")}", $"-p:ContainerArchiveOutputPath={archive}", "-nologo");
        Assert.That(code, Is.Zero, output);
        _image = await ImageArchive.OpenAsync(archive, Path.Combine(_folder, "sdk-image"));
    }

    [OneTimeTearDown]
    public void DeleteTheImages()
    {
        if (_folder is not null)
        {
            ContainerRun.DeleteUnlessMounted(_folder);
        }
    }

    [Test]
    public void TheSdkImageRunsAsTheAppUserOnPort8080WithItsStateInTheUsersHomeOnTheBaseImage()
    {
        var run = _image.RunConfig;
        Assert.Multiple(() =>
        {
            Assert.That(run.GetProperty("User").GetString(), Is.EqualTo($"{AppId}:{AppId}"));
            Assert.That(run.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "8080/tcp" }));
            Assert.That(run.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[]
            {
                "/app/addons-host", "--plugins", "/app/plugins.json", "--set", $"confdir={Home}", "--set", $"session_path={Home}/session.sqlite",
                "--set", "session_required=true", "--set", "listen_host=0.0.0.0", "--set", "listen_port=8080",
            }));
            Assert.That(run.GetProperty("Env").EnumerateArray().Select(e => e.GetString()), Has.Member("ASPNETCORE_HTTP_PORTS=").And.Member($"APP_UID={AppId}"));
            Assert.That(Digests(_image).First(), Is.EqualTo(Digests(_base).Single()), "the SDK's app layer sits on the base image's layer");
        });
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task TheSdkImageRunsAsTheAppUserProxiesAndKeepsTheCaInAVolumeOnItsHome(CancellationToken cancellationToken)
    {
        if (ContainerRun.Unavailable is { } reason)
        {
            Assert.Ignore(reason);
        }

        await ContainerRun.RunsProxiesAndKeepsItsStateInTheVolumeAsync(_image, Home, AppId, Path.Combine(_folder, "run"), cancellationToken);
    }

    private static IEnumerable<string?> Digests(ImageArchive image) =>
        image.Manifest.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString());
}
