using System.Diagnostics;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// The <c>dotnet</c> command line run as a child process, as an author runs it: one at a time (the machine runs other
/// builds), without build servers that would outlive the test, and clean of the MSBuild settings <c>dotnet test</c>
/// passes down.
/// </summary>
internal static class DotnetCli
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="directory"/> to its end, fails the test with its
    /// output if it fails, and returns that output; <paramref name="packages"/> is its NuGet packages folder, if not the
    /// machine's.
    /// </summary>
    public static Task<string> RunAsync(string directory, string? packages, CancellationToken cancellationToken, params string[] args) =>
        RunAsync(directory, packages, null, cancellationToken, args);

    /// <summary>
    /// As the overload above, with <paramref name="home"/> as the CLI's home folder (DOTNET_CLI_HOME) if given: where
    /// installed templates and the local-tool cache live, so that they are the caller's alone.
    /// </summary>
    public static async Task<string> RunAsync(string directory, string? packages, string? home, CancellationToken cancellationToken, params string[] args)
    {
        // Build commands run without build servers; other commands (new, tool) do not take these switches.
        string[] buildSwitches = args[0] is "build" or "publish" or "pack" or "test" or "restore"
            ? ["--nologo", "--disable-build-servers", "-p:NuGetAudit=false"]
            : [];
        var start = Start("dotnet", [.. args, .. buildSwitches], directory, packages, home);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;

        await OneAtATime.WaitAsync(cancellationToken);
        try
        {
            var watch = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken).WaitAsync(StepTimeout, cancellationToken);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }

            TestContext.Progress.WriteLine($"dotnet {args[0]}: {watch.Elapsed.TotalSeconds:0.0} s");
            Assert.That(process.ExitCode, Is.Zero, $"dotnet {string.Join(' ', args)} failed:\n{await output}{await errors}");
            return await output + await errors;
        }
        finally
        {
            OneAtATime.Release();
        }
    }

    /// <summary>
    /// A process as a child build or tool of an author's machine runs: clean of the MSBuild settings <c>dotnet test</c>
    /// passes down, without telemetry or first-run text, restoring into <paramref name="packages"/> and with its CLI home
    /// in <paramref name="home"/>, if given.
    /// </summary>
    public static ProcessStartInfo Start(string fileName, IEnumerable<string> args, string directory, string? packages, string? home = null)
    {
        var start = new ProcessStartInfo(fileName, args) { WorkingDirectory = directory };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        if (packages is not null)
        {
            start.Environment["NUGET_PACKAGES"] = packages;
        }

        if (home is not null)
        {
            start.Environment["DOTNET_CLI_HOME"] = home;
            start.Environment["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false";
        }

        return start;
    }
}
