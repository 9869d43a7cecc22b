using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Addons.Host.Configuration;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Loading;

/// <summary>
/// Builds the project an --addon names (<c>dotnet build</c>, Debug) and says where its assembly is, as MSBuild reports
/// it (<c>-getProperty:TargetPath</c>). A failed build is one sentence with the project and the build's own error
/// lines, not its whole log.
/// </summary>
internal sealed partial class PluginProjectBuilder
{
    private const int MostErrorsShown = 10;

    private readonly ILogger<PluginProjectBuilder> _logger;
    private readonly string _dotnet;

    public PluginProjectBuilder(ILogger<PluginProjectBuilder> logger)
        : this(logger, DotnetCommand())
    {
    }

    /// <summary>With the dotnet command to run, for tests.</summary>
    internal PluginProjectBuilder(ILogger<PluginProjectBuilder> logger, string dotnet)
    {
        _logger = logger;
        _dotnet = dotnet;
    }

    /// <summary>
    /// Builds <paramref name="project"/> and returns the full path of the assembly it built; a failure shows at most
    /// <paramref name="errorsShown"/> of the build's errors (a reload, one: the first), and counts the rest.
    /// </summary>
    public async Task<string> BuildAsync(PluginEntry entry, string project, CancellationToken cancellationToken, int errorsShown = MostErrorsShown)
    {
        LogBuilding(_logger, entry.Id, project);
        var started = Stopwatch.GetTimestamp();
        var start = new ProcessStartInfo(_dotnet)
        {
            // -getProperty with an explicit target builds and then prints the property on standard output; the console
            // logger, asked for errors only, writes them to standard error. No node reuse: a build node left running
            // would hold the output pipes open after the build ends.
            ArgumentList = { "build", project, "-c", "Debug", "-t:Build", "-getProperty:TargetPath", "-nologo", "-tl:off", "-v:q", "-clp:ErrorsOnly;NoSummary", "-nodeReuse:false" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(project),
        };

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("the process did not start");
        }
        catch (Win32Exception ex)
        {
            throw new AddonHostException(
                $"Plugin '{entry.Id}': building {project} needs the .NET SDK, but {_dotnet} could not be started ({ex.Message}); install the .NET SDK, or give --addon the built .dll.", ex);
        }

        using (process)
        {
            var output = new StringBuilder();
            var errors = new StringBuilder();
            var reading = Task.WhenAll(CollectAsync(process.StandardOutput, output), CollectAsync(process.StandardError, errors));
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            try
            {
                await reading.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The pipes close when the build ends, unless a process it left behind holds them: what was read is enough.
            }

            if (process.ExitCode != 0)
            {
                throw new AddonHostException($"Plugin '{entry.Id}': dotnet build of {project} failed: {ErrorLines(project, errors, output, process.ExitCode, errorsShown)}.");
            }

            // The property is the last line: the SDK may print a notice before it.
            string assembly;
            lock (output)
            {
                assembly = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
            }

            if (assembly.Length == 0)
            {
                throw new AddonHostException(
                    $"Plugin '{entry.Id}': dotnet build of {project} built no single assembly to load (does it target several frameworks?); give --addon the .dll built for net{Environment.Version.Major}.{Environment.Version.Minor}.");
            }

            LogBuilt(_logger, entry.Id, assembly, Stopwatch.GetElapsedTime(started).TotalSeconds);
            return assembly;
        }
    }

    /// <summary>The dotnet that runs the host when it is one (dotnet addons-host.dll, dotnet run, dotnet test), else the one on the PATH.</summary>
    private static string DotnetCommand()
    {
        var process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return process;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    private static async Task CollectAsync(StreamReader reader, StringBuilder text)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (text)
            {
                text.AppendLine(line);
            }
        }
    }

    /// <summary>
    /// MSBuild's error lines ("file(line,col): error CS1525: ..."), each once and without the project suffix MSBuild
    /// appends; without any, what the build printed last.
    /// </summary>
    private static string ErrorLines(string project, StringBuilder errors, StringBuilder output, int exitCode, int errorsShown)
    {
        string[] lines;
        lock (errors)
        {
            lock (output)
            {
                lines = $"{errors}\n{output}".Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }
        }

        var suffix = $" [{project}]";
        var found = lines
            .Where(l => l.Contains(": error ", StringComparison.OrdinalIgnoreCase))
            .Select(l => l.EndsWith(suffix, StringComparison.Ordinal) ? l[..^suffix.Length] : l)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (found.Count == 0)
        {
            return lines.Length == 0 ? $"it exited with code {exitCode} and printed nothing" : string.Join("; ", lines.TakeLast(5));
        }

        var shown = string.Join("; ", found.Take(errorsShown).Select(l => l.TrimEnd('.')));
        var more = found.Count - errorsShown;
        return more > 0 ? $"{shown}; and {more} more error{(more == 1 ? "" : "s")}" : shown;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Building plugin '{PluginId}' from {Project} (dotnet build, Debug)")]
    private static partial void LogBuilding(ILogger logger, string pluginId, string project);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Built plugin '{PluginId}': {Assembly} in {Seconds:0.0}s")]
    private static partial void LogBuilt(ILogger logger, string pluginId, string assembly, double seconds);
}
