using System.Diagnostics;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>The built host run as a process to its end, as a user runs it from the command line.</summary>
internal static class HostProcess
{
    /// <summary>
    /// Runs <c>addons-host</c> with <paramref name="plugins"/> and <paramref name="args"/> (its CA in
    /// <paramref name="folder"/>) until it exits by itself; kills it after <paramref name="timeout"/>.
    /// </summary>
    /// <returns>The exit code, and standard output followed by standard error.</returns>
    public static async Task<(int Code, string Output)> RunAsync(string plugins, string folder, IEnumerable<string> args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (code, output, log) = await RunSeparatelyAsync(plugins, folder, args, timeout, cancellationToken);
        return (code, output + log);
    }

    /// <summary>As <see cref="RunAsync"/>, with standard output (the flows) and standard error (the log) apart.</summary>
    public static async Task<(int Code, string Output, string Log)> RunSeparatelyAsync(string plugins, string folder, IEnumerable<string> args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var process = Start(plugins, folder, args);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await output, await errors);
    }

    /// <summary>Starts <c>addons-host</c> as <see cref="RunAsync"/> does and leaves it running; its output is redirected.</summary>
    public static Process Start(string plugins, string folder, IEnumerable<string> args) =>
        Process.Start(new ProcessStartInfo("dotnet", [Path.Combine(TestPaths.HostOutput, "addons-host.dll"), "--plugins", plugins, "--set", $"confdir={ConfigDirectory(folder)}", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;

    /// <summary>The data folder (confdir) a host run by this class keeps in <paramref name="folder"/>.</summary>
    public static string ConfigDirectory(string folder) => Path.Combine(folder, "conf");
}
