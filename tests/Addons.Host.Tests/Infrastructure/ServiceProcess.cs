using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// The built host run as a service manager or a container runtime runs it: <c>NOTIFY_SOCKET</c> naming the manager's
/// socket, standard output (the flows) and standard error (the log) kept apart. Unlike <see cref="ProxyProcess"/> it returns at once, so that
/// the test sees readiness as the manager does; disposing it kills the process if it still runs.
/// </summary>
internal sealed partial class ServiceProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource<IPEndPoint> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process) => Process = process;

    public Process Process { get; }

    /// <summary>Where the proxy listens, once its log line has been read.</summary>
    public Task<IPEndPoint> Listening => _listening.Task;

    /// <summary>What the host wrote to standard output so far.</summary>
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

    /// <summary>What the host wrote to standard error so far.</summary>
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
    /// <c>addons-host</c> with its shipped plugins.json as the unit file starts it: the CA and the session file in
    /// <paramref name="state"/> (which, like systemd's StateDirectory=, must exist), the proxy on a free loopback port.
    /// </summary>
    public static ServiceProcess StartHost(string notifySocket, string state) =>
        Start(new ProcessStartInfo("dotnet",
        [
            Path.Combine(TestPaths.HostOutput, "addons-host.dll"), "--plugins", Path.Combine(TestPaths.HostOutput, "plugins.json"),
            "--set", "listen_host=127.0.0.1", "--set", "listen_port=0", "--set", "web_port=0",
            "--set", $"confdir={state}", "--set", $"session_path={Path.Combine(state, "session.sqlite")}", "--set", "session_required=true",
        ]), notifySocket);

    /// <summary>Starts <paramref name="start"/>, with <c>NOTIFY_SOCKET</c> set to <paramref name="notifySocket"/> unless it is null.</summary>
    public static ServiceProcess Start(ProcessStartInfo start, string? notifySocket)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        if (notifySocket is not null)
        {
            start.Environment["NOTIFY_SOCKET"] = notifySocket;
        }

        var host = new ServiceProcess(Process.Start(start)!);
        host.Process.OutputDataReceived += (_, e) => Append(host._output, e.Data);
        host.Process.ErrorDataReceived += (_, e) =>
        {
            Append(host._log, e.Data);
            if (e.Data is { } line && ListeningAt().Match(line) is { Success: true } match)
            {
                host._listening.TrySetResult(IPEndPoint.Parse(match.Groups[1].Value));
            }
        };
        host.Process.BeginOutputReadLine();
        host.Process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Waits for the process to exit and for the last lines of both pipes; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The host did not exit within {timeout}:\n{Log}");
        }

        Process.WaitForExit();
        return Process.ExitCode;
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is not null)
        {
            lock (text)
            {
                text.Append(line).Append('\n');
            }
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }

    [GeneratedRegex(@"listening at http://([^;\s]+)")]
    private static partial Regex ListeningAt();
}
