using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// The built host run as a process with its proxy on a free loopback port, for tests that send real traffic through
/// it; disposing it kills the process.
/// </summary>
internal sealed partial class ProxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _log = new();

    private ProxyProcess(Process process) => _process = process;

    /// <summary>The host's process id, to signal it.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Waits for the host to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Where the proxy listens.</summary>
    public IPEndPoint Proxy { get; private set; } = null!;

    /// <summary>What the host wrote to standard output so far: the flows.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>What the host wrote to standard error so far: its log.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>addons-host</c> with <paramref name="plugins"/> (its CA in <paramref name="folder"/>) and returns when
    /// its proxy listens and its addons run; fails the test with the log if it exits or takes longer than a minute.
    /// </summary>
    public static Task<ProxyProcess> StartAsync(string plugins, string folder, IEnumerable<string> args, CancellationToken cancellationToken) =>
        StartAsync(new ProcessStartInfo("dotnet",
        [
            Path.Combine(TestPaths.HostOutput, "addons-host.dll"), "--plugins", plugins,
            "--set", "listen_host=127.0.0.1", "--set", "listen_port=0", "--set", $"confdir={Path.Combine(folder, "conf")}", .. args,
        ]), cancellationToken);

    /// <summary>
    /// Starts the host <paramref name="start"/> describes (such as an installed <c>addons-host</c> tool, given
    /// <c>--set listen_port=0</c>) and returns when its proxy listens and its addons run, as the overload above.
    /// </summary>
    public static async Task<ProxyProcess> StartAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var host = new ProxyProcess(Process.Start(start)!);
        var listening = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host._process.OutputDataReceived += (_, e) => Append(host._output, e.Data);
        host._process.ErrorDataReceived += (_, e) =>
        {
            Append(host._log, e.Data);
            if (e.Data is { } line && ListeningAt().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(IPEndPoint.Parse(match.Groups[1].Value));
            }
            else if (e.Data is { } ran && RunningWith().IsMatch(ran))
            {
                running.TrySetResult();
            }
        };
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();

        var up = Task.WhenAll(listening.Task, running.Task);
        var exited = host._process.WaitForExitAsync(cancellationToken);
        if (await Task.WhenAny(up, exited, Task.Delay(TimeSpan.FromMinutes(1), cancellationToken)) != up)
        {
            await host.DisposeAsync();
            Assert.Fail($"The host did not start listening:\n{host.Log}");
        }

        host.Proxy = await listening.Task;
        return host;
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (text)
            {
                text.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"listening at http://([^;\s]+)")]
    private static partial Regex ListeningAt();

    [GeneratedRegex(@"Running with \d+ addon\(s\)")]
    private static partial Regex RunningWith();
}
