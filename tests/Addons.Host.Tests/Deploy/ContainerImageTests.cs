using System.Diagnostics;
using System.Formats.Tar;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Deploy;

/// <summary>
/// deploy/container/build-image.sh: the image archive it writes with no container engine, read as a runtime reads it,
/// then its layers unpacked into a root and its entry point run there as its user, as a container runtime would run
/// it (own mount namespace, /proc and /dev, a volume bound on the state folder; the machine's network).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ContainerImageTests
{
    private const string StateFolder = "/var/lib/addons-host";
    private const int AppId = 1654;

    private string _folder = null!;
    private ImageArchive _image = null!;

    [OneTimeSetUp]
    public async Task BuildTheImageAsync()
    {
        foreach (var tool in new[] { "/bin/bash", "/usr/bin/tar", "/bin/gzip", "/usr/bin/dpkg-query", "/usr/bin/sha256sum" })
        {
            if (!File.Exists(tool))
            {
                Assert.Ignore($"{tool} is missing: build-image.sh takes its base layer from a Debian machine's packages.");
            }
        }

        _folder = Directory.CreateTempSubdirectory("addons-image-").FullName;
        var archive = Path.Combine(_folder, "addons-host.tar");
        var building = Stopwatch.StartNew();
        var (code, output) = await RunAsync(TimeSpan.FromMinutes(10), "/bin/bash", Path.Combine(TestPaths.Repository, "deploy", "container", "build-image.sh"), archive);
        Assert.That(code, Is.Zero, output);
        TestContext.Progress.WriteLine($"build-image.sh wrote the image in {building.Elapsed.TotalSeconds:F0} s: {output.Trim().Split('\n')[^1]}");
        _image = await ImageArchive.OpenAsync(archive, Path.Combine(_folder, "archive"));
    }

    [OneTimeTearDown]
    public void DeleteTheImage()
    {
        if (_folder is not null)
        {
            DeleteUnlessMounted(_folder);
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
        var docker = _image.DockerManifest;
        Assert.That(docker.GetProperty("Config").GetString(), Is.EqualTo(Path.GetRelativePath(_image.Folder, _image.BlobPath(_image.Manifest.GetProperty("config").GetProperty("digest").GetString()!))));
        Assert.That(docker.GetProperty("Layers").EnumerateArray().Select(l => Path.Combine(_image.Folder, l.GetString()!)), Is.EqualTo(layers));
        Assert.That(docker.GetProperty("RepoTags")[0].GetString(), Is.EqualTo("addons-host:latest"));
    }

    [Test]
    public async Task TheAppIsRootsAndOnlyItsStateFolderAndHomeAreTheAppUsers()
    {
        var app = await ImageArchive.ReadLayerAsync(_image.LayerPaths[1]);
        var host = app["app/addons-host"];
        Assert.That((host.Uid, host.Gid), Is.EqualTo((0, 0)));
        Assert.That(host.Mode & UnixFileMode.UserExecute, Is.EqualTo(UnixFileMode.UserExecute));
        Assert.That(app.Where(e => e.Key.StartsWith("app/", StringComparison.Ordinal)).Select(e => e.Value.Uid).Distinct(), Is.EqualTo(new[] { 0 }), "the app cannot change itself");

        foreach (var folder in new[] { StateFolder[1..], "home/app" })
        {
            var entry = app[folder];
            Assert.That(entry.EntryType, Is.EqualTo(TarEntryType.Directory), folder);
            Assert.That((entry.Uid, entry.Gid), Is.EqualTo((AppId, AppId)), folder);
            Assert.That(entry.Mode, Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), folder);
        }

        var passwd = (await ImageArchive.ReadLayerAsync(_image.LayerPaths[0]))["etc/passwd"];
        using var text = new StreamReader(passwd.DataStream!);
        Assert.That(await text.ReadToEndAsync(), Does.Contain($"app:x:{AppId}:{AppId}::/home/app:"));
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
        var (inspected, config) = await RunAsync(TimeSpan.FromMinutes(1), skopeo, "inspect", "--config", $"oci-archive:{archive}");
        Assert.That(inspected, Is.Zero, config);
        Assert.That(JsonDocument.Parse(config).RootElement.GetProperty("config").GetProperty("User").GetString(), Is.EqualTo($"{AppId}:{AppId}"));

        // A copy reads every blob and checks its digest.
        var (copied, copyOutput) = await RunAsync(TimeSpan.FromMinutes(2), skopeo, "copy", "--quiet", $"oci-archive:{archive}", $"oci:{Path.Combine(_folder, "copy")}:addons-host");
        Assert.That(copied, Is.Zero, copyOutput);
        var (docker, dockerOutput) = await RunAsync(TimeSpan.FromMinutes(1), skopeo, "inspect", $"docker-archive:{archive}");
        Assert.That(docker, Is.Zero, dockerOutput);
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task TheEntryPointRunsAsTheAppUserInTheUnpackedImageProxiesAndKeepsTheCaInTheVolume(CancellationToken cancellationToken)
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/unshare"))
        {
            Assert.Ignore("Running the image's root needs root (to keep the layers' owners, mount /proc and bind the volume) and unshare; the image itself is checked by the other tests.");
        }

        var root = Path.Combine(_folder, "rootfs");
        Directory.CreateDirectory(root);
        foreach (var layer in _image.LayerPaths)
        {
            var (code, output) = await RunAsync(TimeSpan.FromMinutes(1), "/usr/bin/tar", "-C", root, "--same-owner", "--numeric-owner", "-xpzf", layer);
            Assert.That(code, Is.Zero, output);
        }

        // A volume as `docker run -v` gives one: a folder of the machine, here empty and the app user's.
        var volume = Directory.CreateDirectory(Path.Combine(_folder, "volume"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        await using var origin = await KestrelOrigin.StartAsync(_folder);
        File.Copy(origin.CertificatePemPath, Path.Combine(volume, "origin-cert.pem"));
        await RunAsync(TimeSpan.FromSeconds(10), "/bin/chown", "-R", $"{AppId}:{AppId}", volume);

        // The image's own port may be taken on this machine: another, as `docker run IMAGE --set listen_port=N` would.
        var port = FreePort();
        var run = _image.RunConfig;
        string[] command =
        [
            .. run.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()!),
            "--set", $"listen_port={port}", "--set", $"ssl_verify_upstream_trusted_ca={StateFolder}/origin-cert.pem",
        ];
        var user = run.GetProperty("User").GetString()!.Split(':');
        var start = new ProcessStartInfo("/usr/bin/unshare",
        [
            "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            """mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && mount --bind "$1" "$0$2" && r="$0" w="$3" u="$4" g="$5" && shift 5 && exec unshare --root="$r" --wd="$w" --setgid="$g" --setuid="$u" -- "$@" """,
            root, volume, StateFolder, run.GetProperty("WorkingDir").GetString()!, user[0], user[1], .. command,
        ]);
        start.Environment.Clear();
        foreach (var variable in run.GetProperty("Env").EnumerateArray().Select(e => e.GetString()!.Split('=', 2)))
        {
            start.Environment[variable[0]] = variable[1];
        }

        using var container = ServiceProcess.Start(start, notifySocket: null);
        var listening = await container.Listening.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
        Assert.That(listening, Is.EqualTo(new IPEndPoint(IPAddress.Any, port)), container.Log);
        Assert.That(await File.ReadAllLinesAsync($"/proc/{container.Process.Id}/status", cancellationToken),
            Has.Member($"Uid:\t{AppId}\t{AppId}\t{AppId}\t{AppId}"), "the host runs as the image's user");

        using var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(volume, "addons-ca-cert.cer"));
        using (var client = new HttpClient(new SocketsHttpHandler
        {
            Proxy = new WebProxy($"http://127.0.0.1:{port}"),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, _) => ProxyHarness.IsSignedBy(certificate, ca) },
        }))
        {
            Assert.That(await GetAsync(client, origin.Http("/hello"), cancellationToken), Is.EqualTo("200 hello"), container.Log);
            // Intercepted TLS: the image's OpenSSL signs a leaf with the CA in the volume and verifies the origin.
            Assert.That(await GetAsync(client, origin.Https("/hello"), cancellationToken), Is.EqualTo("200 hello"), container.Log);
        }

        UnixSignal.Send(container.Process.Id, UnixSignal.Terminate);
        Assert.That(await container.WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken), Is.Zero, container.Log);
        Assert.That(container.Log, Does.Contain("Done: 8 addon(s) stopped"));

        var key = Path.Combine(volume, "addons-ca.pem");
        Assert.That(File.GetUnixFileMode(key), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(await OwnerAsync(key), Is.EqualTo($"{AppId}:{AppId}"));
        Assert.That(File.Exists(Path.Combine(volume, "session.sqlite")), "the session file is in the volume");
        Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(root, StateFolder[1..])), Is.Empty, "nothing beneath the volume");
    }

    private static async Task<string> GetAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(url, cancellationToken);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
    }

    private static IEnumerable<string> Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> OwnerAsync(string path) =>
        (await RunAsync(TimeSpan.FromSeconds(10), "/usr/bin/stat", "-c", "%u:%g", path)).Output.Trim();

    /// <summary>Deletes <paramref name="folder"/>, unless something is still mounted in it (then it would reach outside).</summary>
    private static void DeleteUnlessMounted(string folder)
    {
        if (File.ReadAllText("/proc/self/mountinfo").Contains(folder, StringComparison.Ordinal))
        {
            TestContext.Progress.WriteLine($"{folder} is left in place: something is mounted beneath it.");
            return;
        }

        Directory.Delete(folder, recursive: true);
    }

    private static async Task<(int Code, string Output)> RunAsync(TimeSpan timeout, string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await output + await error);
    }
}
