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
    /// Runs <c>dotnet</c> with <paramref name="args"/> in <paramref name="directory"/> to its end and fails the test with
    /// its output if it fails; <paramref name="packages"/> is its NuGet packages folder, if not the machine's.
    /// </summary>
    public static async Task RunAsync(string directory, string? packages, CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [.. args, "--nologo", "--disable-build-servers", "-p:NuGetAudit=false"])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // `dotnet test` passes its own MSBuild settings down to the test host; a child build starts clean.
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
        }
        finally
        {
            OneAtATime.Release();
        }
    }
}
