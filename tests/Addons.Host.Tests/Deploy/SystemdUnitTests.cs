using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Deploy;

/// <summary>
/// deploy/systemd/addons-host.service: its settings, systemd's own checks of it (<c>systemd-analyze</c>, where systemd
/// is installed; it need not run), and its command line run as systemd would run it.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class SystemdUnitTests
{
    private static string UnitPath => Path.Combine(TestPaths.Repository, "deploy", "systemd", "addons-host.service");

    /// <summary>Where the unit expects the published host; the tests put the built host there instead.</summary>
    private const string InstallFolder = "/opt/addons-host/";

    [Test]
    public void TheUnitIsANotifyServiceWithItsStateInTheStateDirectoryAndHardened()
    {
        var service = UnitFile.Read(UnitPath).Section("Service");

        Assert.Multiple(() =>
        {
            Assert.That(service.Single("Type"), Is.EqualTo("notify"));
            Assert.That(service.Single("DynamicUser"), Is.EqualTo("yes"), "a user of its own, made by systemd");
            Assert.That(service.Single("StateDirectory"), Is.EqualTo("addons-host"));
            Assert.That(service.Single("ExecStart"), Does.StartWith(InstallFolder + "addons-host ")
                .And.Contain("--set confdir=%S/addons-host ")
                .And.Contain("--set session_path=%S/addons-host/"));
            Assert.That(service.Single("ProtectSystem"), Is.EqualTo("strict"));
            Assert.That(service.Single("ProtectHome"), Is.EqualTo("yes"));
            Assert.That(service.Single("PrivateTmp"), Is.EqualTo("yes"));
            Assert.That(service.Single("NoNewPrivileges"), Is.EqualTo("yes"));
            Assert.That(service.Single("CapabilityBoundingSet"), Is.Empty, "no capability");
            Assert.That(service.Single("RestrictAddressFamilies"), Is.EqualTo("AF_INET AF_INET6 AF_UNIX"));
            Assert.That(service.All("MemoryDenyWriteExecute"), Is.Empty, "the JIT needs to execute memory it wrote");
            Assert.That(service.Single("Restart"), Is.EqualTo("on-failure"));
        });
    }

    [Test]
    public void SystemdWaitsLongerThanTheHostsShutdownTimeoutBeforeItKills()
    {
        var service = UnitFile.Read(UnitPath).Section("Service");
        var arguments = service.Single("ExecStart").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var hostTimeout = int.Parse(arguments.Single(a => a.StartsWith("--shutdownTimeoutSeconds=", StringComparison.Ordinal)).Split('=')[1], CultureInfo.InvariantCulture);
        var systemdTimeout = int.Parse(service.Single("TimeoutStopSec"), CultureInfo.InvariantCulture);

        // The host spends up to its timeout on open connections and the addons' done, then the runtime exits.
        Assert.That(systemdTimeout, Is.GreaterThanOrEqualTo(hostTimeout + 10));
    }

    [Test]
    public async Task SystemdAnalyzeVerifiesTheUnitAndRatesItsExposureLow()
    {
        var analyze = SystemdAnalyze();
        var folder = Directory.CreateTempSubdirectory("addons-unit-").FullName;
        try
        {
            // verify checks ExecStart's program exists: the built host stands in for the published one.
            var unit = Path.Combine(folder, "addons-host.service");
            await File.WriteAllTextAsync(unit, (await File.ReadAllTextAsync(UnitPath)).Replace(InstallFolder, TestPaths.HostOutput, StringComparison.Ordinal));

            var (verified, verifyOutput) = await RunAsync(analyze, "verify", "--man=no", unit);
            Assert.That(verified, Is.Zero, verifyOutput);
            Assert.That(verifyOutput, Is.Empty, "no warning either");

            // 0 is the most locked-down, 10 the least; 2.0 and below is what systemd calls OK.
            var (rated, securityOutput) = await RunAsync(analyze, "security", "--offline=true", "--threshold=20", unit);
            Assert.That(rated, Is.Zero, securityOutput);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    [CancelAfter(180_000)]
    public async Task TheUnitsCommandLineStartsTheHostWhichSaysReadyAndKeepsTheCaInTheStateDirectory(CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("addons-unit-").FullName;
        try
        {
            // As systemd runs it: %S is /var/lib, StateDirectory= exists (mode 0700) and is the working directory.
            var service = UnitFile.Read(UnitPath).Section("Service");
            var stateRoot = Path.Combine(folder, "var-lib");
            var state = Directory.CreateDirectory(Path.Combine(stateRoot, service.Single("StateDirectory")), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
            var arguments = service.Single("ExecStart").Replace("%S", stateRoot, StringComparison.Ordinal).Replace(InstallFolder, TestPaths.HostOutput, StringComparison.Ordinal)
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(a => a == "listen_port=8080" ? "listen_port=0" : a) // a free port, not the unit's fixed one
                .ToList();
            using var manager = NotifySocket.Bind(Path.Combine(folder, "notify"));
            using var host = ServiceProcess.Start(new ProcessStartInfo(arguments[0], arguments.Skip(1)) { WorkingDirectory = state }, manager.Path);

            Assert.That(await manager.ReceiveAsync(TimeSpan.FromMinutes(1)), Is.EqualTo("READY=1"), host.Log);
            var proxy = await host.Listening.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            Assert.That(proxy.Address.ToString(), Is.EqualTo("127.0.0.1"), "the unit keeps the proxy on loopback");
            UnixSignal.Send(host.Process.Id, UnixSignal.Terminate);
            Assert.That(await manager.ReceiveAsync(TimeSpan.FromSeconds(30)), Is.EqualTo("STOPPING=1"), host.Log);
            Assert.That(await host.WaitForExitAsync(TimeSpan.FromSeconds(30), cancellationToken), Is.Zero, host.Log);

            Assert.That(host.Output, Is.Empty, "flow_detail=0: nothing on standard output, which the journal would take");
            Assert.That(File.GetUnixFileMode(Path.Combine(state, "addons-ca.pem")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.Exists(Path.Combine(state, "addons-ca-cert.pem")));
            Assert.That(File.Exists(Path.Combine(state, "session.sqlite")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string SystemdAnalyze()
    {
        const string path = "/usr/bin/systemd-analyze";
        if (!File.Exists(path))
        {
            Assert.Ignore("systemd-analyze is not installed (Debian package systemd; .ci/run installs it): the unit file is checked by the other tests only.");
        }

        return path;
    }

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, (await output + await error).Trim());
    }

    /// <summary>A systemd unit file read as systemd reads it: sections, keys that may repeat, lines continued with a backslash.</summary>
    private sealed class UnitFile
    {
        private readonly Dictionary<string, Dictionary<string, List<string>>> _sections = [];

        public static UnitFile Read(string path)
        {
            var unit = new UnitFile();
            Dictionary<string, List<string>>? section = null;
            var line = "";
            foreach (var raw in File.ReadLines(path))
            {
                if (line.Length == 0 && (raw.StartsWith('#') || raw.StartsWith(';')))
                {
                    continue;
                }

                if (raw.EndsWith('\\'))
                {
                    line += raw[..^1].Trim() + " ";
                    continue;
                }

                line = (line + raw.Trim()).Trim();
                if (line.StartsWith('[') && line.EndsWith(']'))
                {
                    section = unit._sections[line[1..^1]] = [];
                }
                else if (line.Length > 0 && section is not null)
                {
                    var equals = line.IndexOf('=', StringComparison.Ordinal);
                    var key = line[..equals].Trim();
                    if (!section.TryGetValue(key, out var values))
                    {
                        section[key] = values = [];
                    }

                    values.Add(line[(equals + 1)..].Trim());
                }

                line = "";
            }

            return unit;
        }

        public Section Section(string name) => new(_sections.TryGetValue(name, out var keys) ? keys : []);
    }

    private sealed class Section(Dictionary<string, List<string>> keys)
    {
        public IReadOnlyList<string> All(string key) => keys.TryGetValue(key, out var values) ? values : [];

        public string Single(string key) => All(key) is [var value] ? value : throw new AssertionException($"The unit sets {key} {All(key).Count} times, not once.");
    }
}
