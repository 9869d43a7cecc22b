using System.Diagnostics;
using System.Formats.Tar;
using System.Runtime.Versioning;
using System.Text.Json;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Deploy;

/// <summary>
/// deploy/container/build-image.sh: the image archive it writes with no container engine, read as a runtime reads it,
/// checked by skopeo, then run as a container runtime would run it (<see cref="ContainerRun"/>).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ContainerImageTests
{
    private const string StateFolder = "/home/app";
    private const int AppId = 1654;

    private string _folder = null!;
    private ImageArchive _image = null!;

    [OneTimeSetUp]
    public async Task BuildTheImageAsync()
    {
        if (BuildImage.Unavailable is { } reason)
        {
            Assert.Ignore(reason);
        }

        _folder = Directory.CreateTempSubdirectory("addons-image-").FullName;
        _image = await BuildImage.RunAsync(_folder, "addons-host.tar");
    }

    [OneTimeTearDown]
    public void DeleteTheImage()
    {
        if (_folder is not null)
        {
            ContainerRun.DeleteUnlessMounted(_folder);
        }
    }

    [Test]
    public void TheImageRunsAsTheAppUserExposesThePortItListensOnAndKeepsItsStateInAVolume()
    {
        var run = _image.RunConfig;
        var entrypoint = run.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(_image.Config.GetProperty("os").GetString(), Is.EqualTo("linux"));
            Assert.That(_image.Config.GetProperty("architecture").GetString(), Is.EqualTo("amd64"));
            Assert.That(run.GetProperty("User").GetString(), Is.EqualTo($"{AppId}:{AppId}"), "numeric, so that runAsNonRoot can check it");
            Assert.That(Keys(run.GetProperty("ExposedPorts")), Is.EqualTo(new[] { "8080/tcp" }));
            Assert.That(Keys(run.GetProperty("Volumes")), Is.EqualTo(new[] { StateFolder }));
            Assert.That(entrypoint[0], Is.EqualTo("/app/addons-host"));
            Assert.That(entrypoint, Has.Member($"confdir={StateFolder}").And.Member($"session_path={StateFolder}/session.sqlite"));
            Assert.That(entrypoint, Has.Member("listen_port=8080").And.Member("listen_host=0.0.0.0"));
            Assert.That(run.TryGetProperty("Cmd", out _), Is.False, "arguments after the image name go to the host");
        });
    }

    [Test]
    public async Task EveryBlobMatchesItsDigestAndEveryLayerItsDiffId()
    {
        var manifestDescriptor = _image.Index.GetProperty("manifests")[0];
        Assert.That(manifestDescriptor.GetProperty("annotations").GetProperty("io.containerd.image.name").GetString(), Is.EqualTo("addons-host:latest"));
        var blobs = new[] { manifestDescriptor, _image.Manifest.GetProperty("config") }.Concat(_image.Manifest.GetProperty("layers").EnumerateArray());
        foreach (var descriptor in blobs)
        {
            var path = _image.BlobPath(descriptor.GetProperty("digest").GetString()!);
            await using var blob = File.OpenRead(path);
            Assert.That(blob.Length, Is.EqualTo(descriptor.GetProperty("size").GetInt64()), path);
            Assert.That(await ImageArchive.DigestAsync(blob), Is.EqualTo(descriptor.GetProperty("digest").GetString()), path);
        }

        var diffIds = _image.Config.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()).ToList();
        var layers = _image.LayerPaths;
        Assert.That(layers, Has.Count.EqualTo(2).And.Count.EqualTo(diffIds.Count));
        for (var i = 0; i < layers.Count; i++)
        {
            Assert.That(await ImageArchive.DiffIdAsync(layers[i]), Is.EqualTo(diffIds[i]), $"layer {i}");
        }

        // docker load reads manifest.json: the same configuration and layers.
        var docker = _image.DockerManifest!.Value;
        Assert.That(docker.GetProperty("Config").GetString(), Is.EqualTo(Path.GetRelativePath(_image.Folder, _image.BlobPath(_image.Manifest.GetProperty("config").GetProperty("digest").GetString()!))));
        Assert.That(docker.GetProperty("Layers").EnumerateArray().Select(l => Path.Combine(_image.Folder, l.GetString()!)), Is.EqualTo(layers));
        Assert.That(docker.GetProperty("RepoTags")[0].GetString(), Is.EqualTo("addons-host:latest"));
    }

    [Test]
    public async Task TheAppIsRootsAndOnlyTheStateFolderIsTheAppUsers()
    {
        var app = await ImageArchive.ReadLayerAsync(_image.LayerPaths[1]);
        var host = app["app/addons-host"];
        Assert.That((host.Uid, host.Gid), Is.EqualTo((0, 0)));
        Assert.That(host.Mode & UnixFileMode.UserExecute, Is.EqualTo(UnixFileMode.UserExecute));
        Assert.That(app.Values.Select(e => e.Uid).Distinct(), Is.EqualTo(new[] { 0 }), "the app cannot change itself");

        var system = await ImageArchive.ReadLayerAsync(_image.LayerPaths[0]);
        var home = system[StateFolder[1..]];
        Assert.That(home.EntryType, Is.EqualTo(TarEntryType.Directory));
        Assert.That((home.Uid, home.Gid), Is.EqualTo((AppId, AppId)));
        Assert.That(home.Mode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.That(system.Where(e => e.Value.Uid != 0).Select(e => e.Key), Is.EqualTo(new[] { StateFolder[1..] }));
        using var passwd = new StreamReader(system["etc/passwd"].DataStream!);
        Assert.That(await passwd.ReadToEndAsync(), Does.Contain($"app:x:{AppId}:{AppId}::/home/app:"));
    }

    [Test]
    public async Task SkopeoReadsTheArchiveAsAnOciLayoutAndAsADockerArchive()
    {
        const string skopeo = "/usr/bin/skopeo";
        if (!File.Exists(skopeo))
        {
            Assert.Ignore("skopeo is not installed (Debian package skopeo; .ci/run installs it): the archive is checked by this suite's own reader only.");
        }

        var archive = Path.Combine(_folder, "addons-host.tar");
        var (inspected, config) = await ContainerRun.RunAsync(TimeSpan.FromMinutes(1), skopeo, "inspect", "--config", $"oci-archive:{archive}");
        Assert.That(inspected, Is.Zero, config);
        Assert.That(JsonDocument.Parse(config).RootElement.GetProperty("config").GetProperty("User").GetString(), Is.EqualTo($"{AppId}:{AppId}"));

        // A copy reads every blob and checks its digest.
        var (copied, copyOutput) = await ContainerRun.RunAsync(TimeSpan.FromMinutes(2), skopeo, "copy", "--quiet", $"oci-archive:{archive}", $"oci:{Path.Combine(_folder, "copy")}:addons-host");
        Assert.That(copied, Is.Zero, copyOutput);
        var (docker, dockerOutput) = await ContainerRun.RunAsync(TimeSpan.FromMinutes(1), skopeo, "inspect", $"docker-archive:{archive}");
        Assert.That(docker, Is.Zero, dockerOutput);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task TheEntryPointRunsAsTheAppUserProxiesAndKeepsTheCaInTheVolume(CancellationToken cancellationToken)
    {
        if (ContainerRun.Unavailable is { } reason)
        {
            Assert.Ignore(reason);
        }

        await ContainerRun.RunsProxiesAndKeepsItsStateInTheVolumeAsync(_image, StateFolder, AppId, Path.Combine(_folder, "run"), cancellationToken);
    }

    private static IEnumerable<string> Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name);
}
