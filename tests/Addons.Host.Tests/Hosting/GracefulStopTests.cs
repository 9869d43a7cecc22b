using System.Diagnostics;
using System.Text;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Hosting;

public sealed class GracefulStopTests
{
    [Test]
    public async Task StoppingTheGenericHostRunsRunningInOrderAndDoneInReverseOrder()
    {
        await using var host = await TestHost.StartAsync(
        [
            TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1),
            TestHost.Entry("Thrower", TestPaths.TestPlugin("Thrower"), 2),
            TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 3),
        ]);
        var lifecycle = new List<string>();
        host.Bus.Subscribe<string>(() => "test", m =>
        {
            lock (lifecycle)
            {
                lifecycle.Add(m);
            }
        });

        await host.Host.StartAsync();
        await host.Host.StopAsync();

        Assert.That(lifecycle, Is.EqualTo(new[] { "recorder:running", "second:running", "second:done", "recorder:done" }));
        Assert.That(host.Logs.Errors.Select(e => e.Message), Has.Member("Addon 'thrower' failed in hook 'done': InvalidOperationException: thrower failed in done"),
            "a failing done does not keep the others from stopping");
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Member("Done: 10 addon(s) stopped"));
    }

    [Test]
    public async Task AnAddonThatOverrunsTheShutdownTimeoutIsLoggedAndTheOthersStillStop()
    {
        await using var host = await TestHost.StartAsync(
            [TestHost.Entry("Recorder", TestPaths.TestPlugin("Recorder"), 1), TestHost.Entry("Second", TestPaths.TestPlugin("SecondRecorder"), 2)],
            "--set", "second_done_delay=60000", "--shutdownTimeoutSeconds=1");
        var lifecycle = new List<string>();
        host.Bus.Subscribe<string>(() => "test", m =>
        {
            lock (lifecycle)
            {
                lifecycle.Add(m);
            }
        });
        await host.Host.StartAsync();

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await host.Host.StopAsync();

        Assert.That(stopping.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)));
        Assert.That(lifecycle, Is.EqualTo(new[] { "recorder:running", "second:running", "recorder:done" }));
        Assert.That(host.Logs.Lines.Select(l => l.Message), Has.Member("Addon 'second' did not finish 'done' within the shutdown timeout"));
    }

    [TestCase(Signal.Interrupt)]
    [TestCase(Signal.Terminate)]
    public async Task TheHostProcessStopsCleanlyOnCtrlCAndSigterm(Signal signal)
    {
        // A shell starts a background job with SIGINT ignored, its children inherit that, and .NET keeps an ignored
        // SIGINT ignored: Ctrl+C cannot reach the host then, whatever the host does.
        if (signal == Signal.Interrupt && IgnoredByThisProcess((int)signal))
        {
            Assert.Ignore("This test run ignores SIGINT (it was started in the background by a shell), and so would the host it starts.");
        }

        var folder = Directory.CreateTempSubdirectory("addons-process-").FullName;
        try
        {
            var plugins = Path.Combine(folder, "plugins.json");
            await File.WriteAllTextAsync(plugins, $$"""
                { "Addons": {
                    "Recorder": { "Path": {{TestPaths.Json(TestPaths.TestPlugin("Recorder"))}}, "Order": 1 },
                    "Second": { "Path": {{TestPaths.Json(TestPaths.TestPlugin("SecondRecorder"))}}, "Order": 2 } } }
                """);
            var start = new ProcessStartInfo("dotnet", [Path.Combine(TestPaths.HostOutput, "addons-host.dll"), "--plugins", plugins, "--set", "listen_port=0", "--set", $"confdir={Path.Combine(folder, "conf")}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var output = new StringBuilder();
            var running = new TaskCompletionSource();
            // The log is on standard error; standard output has flows only.
            process.ErrorDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                if (e.Data?.Contains("Running with 9 addon(s)", StringComparison.Ordinal) == true)
                {
                    running.TrySetResult();
                }
            };
            process.BeginErrorReadLine();
            var errors = process.StandardOutput.ReadToEndAsync();

            try
            {
                await running.Task.WaitAsync(TimeSpan.FromSeconds(60));
                UnixSignal.Send(process.Id, (int)signal);
                try
                {
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                }
                catch (TimeoutException)
                {
                    lock (output)
                    {
                        Assert.Fail($"The host did not exit within 30 s of signal {signal}:\n{output}");
                    }
                }
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }

            var log = output.ToString();
            Assert.That(process.ExitCode, Is.Zero, log + await errors);
            Assert.That(log, Does.Contain("Loaded addon 'recorder'").And.Contain("Application is shutting down").And.Contain("Done: 9 addon(s) stopped"));
            Assert.That(log, Does.Not.Contain("Exception"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Whether this process ignores <paramref name="signal"/> (SigIgn of /proc/self/status), as its children then do.</summary>
    private static bool IgnoredByThisProcess(int signal)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (signal - 1))) != 0;
    }

    public enum Signal
    {
        Interrupt = UnixSignal.Interrupt,
        Terminate = UnixSignal.Terminate,
    }
}
