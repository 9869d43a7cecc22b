using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Deploy;

/// <summary>
/// An image run as a container runtime runs it, without one: its layers unpacked into a root (as root, keeping their
/// owners), its entry point started there in a mount namespace of its own with /proc, /dev and a volume bound on its
/// state folder, as its user, with its environment alone; the machine's network (no network namespace).
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class ContainerRun
{
    /// <summary>Why a test of this kind is ignored here, or null when it can run.</summary>
    public static string? Unavailable =>
        Environment.UserName != "root" || !File.Exists("/usr/bin/unshare")
            ? "Running an image's root needs root (to keep the layers' owners, mount /proc and bind the volume) and unshare; the image itself is checked by the other tests."
            : null;

    /// <summary>
    /// Runs <paramref name="image"/> (its user: <paramref name="appId"/>) with a fresh volume at
    /// <paramref name="stateFolder"/>, checks what a user of the image notices, and stops it with SIGTERM: it listens on
    /// every address, runs as its user, proxies HTTP and intercepted HTTPS to a Kestrel origin on the machine, exits 0,
    /// and its CA key (0600) and session file are in the volume, nothing beneath the volume in the image's root.
    /// </summary>
    public static async Task RunsProxiesAndKeepsItsStateInTheVolumeAsync(ImageArchive image, string stateFolder, int appId, string folder, CancellationToken cancellationToken)
    {
        var root = Path.Combine(folder, "rootfs");
        Directory.CreateDirectory(root);
        foreach (var layer in image.LayerPaths)
        {
            var (code, output) = await RunAsync(TimeSpan.FromMinutes(1), "/usr/bin/tar", "-C", root, "--same-owner", "--numeric-owner", "-xpzf", layer);
            Assert.That(code, Is.Zero, output);
        }

        // A volume as `docker run -v` makes one: empty, and the app user's (docker copies the image folder's owner).
        var volume = Directory.CreateDirectory(Path.Combine(folder, "volume"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        await using var origin = await KestrelOrigin.StartAsync(folder);
        File.Copy(origin.CertificatePemPath, Path.Combine(volume, "origin-cert.pem"));
        await RunAsync(TimeSpan.FromSeconds(10), "/bin/chown", "-R", $"{appId}:{appId}", volume);

        // The image's own port may be taken on this machine: another, as `docker run IMAGE --set listen_port=N` would.
        var port = FreePort();
        var run = image.RunConfig;
        string[] command =
        [
            .. run.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()!),
            "--set", $"listen_port={port}", "--set", $"ssl_verify_upstream_trusted_ca={stateFolder}/origin-cert.pem",
        ];
        var user = run.GetProperty("User").GetString()!.Split(':');
        var workingDirectory = run.TryGetProperty("WorkingDir", out var wd) ? wd.GetString()! : "/";
        var start = new ProcessStartInfo("/usr/bin/unshare",
        [
            "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            """mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && mount --bind "$1" "$0$2" && r="$0" w="$3" u="$4" g="$5" && shift 5 && exec unshare --root="$r" --wd="$w" --setgid="$g" --setuid="$u" -- "$@" """,
            root, volume, stateFolder, workingDirectory, user[0], user.Length > 1 ? user[1] : user[0], .. command,
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
            Has.Member($"Uid:\t{appId}\t{appId}\t{appId}\t{appId}"), "the host runs as the image's user");

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
        Assert.That(container.Log, Does.Match(@"Done: \d+ addon\(s\) stopped"));

        var key = Path.Combine(volume, "addons-ca.pem");
        Assert.That(File.GetUnixFileMode(key), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That((await RunAsync(TimeSpan.FromSeconds(10), "/usr/bin/stat", "-c", "%u:%g", key)).Output.Trim(), Is.EqualTo($"{appId}:{appId}"));
        Assert.That(File.Exists(Path.Combine(volume, "session.sqlite")), "the session file is in the volume");
        Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(root, stateFolder.TrimStart('/'))), Is.Empty, "nothing beneath the volume");
    }

    /// <summary>Deletes <paramref name="folder"/>, unless something is still mounted in it (then it would reach outside).</summary>
    public static void DeleteUnlessMounted(string folder)
    {
        if (File.ReadAllText("/proc/self/mountinfo").Contains(folder, StringComparison.Ordinal))
        {
            TestContext.Progress.WriteLine($"{folder} is left in place: something is mounted beneath it.");
            return;
        }

        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Runs a program to its end (killed after <paramref name="timeout"/>); its exit code, and its output and errors.</summary>
    public static async Task<(int Code, string Output)> RunAsync(TimeSpan timeout, string program, params string[] arguments)
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

    private static async Task<string> GetAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(url, cancellationToken);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
