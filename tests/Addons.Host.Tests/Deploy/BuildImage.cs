using System.Diagnostics;
using System.Runtime.Versioning;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Deploy;

/// <summary>deploy/container/build-image.sh, run by the tests into a folder of theirs.</summary>
[UnsupportedOSPlatform("windows")]
internal static class BuildImage
{
    /// <summary>Why the script cannot run here, or null when it can.</summary>
    public static string? Unavailable =>
        new[] { "/bin/bash", "/usr/bin/tar", "/bin/gzip", "/usr/bin/dpkg-query", "/usr/bin/sha256sum" }.FirstOrDefault(t => !File.Exists(t)) is { } missing
            ? $"{missing} is missing: build-image.sh takes its base layer from a Debian machine's packages."
            : null;

    /// <summary>
    /// Writes <paramref name="archive"/> in <paramref name="folder"/> with the script (and <paramref name="options"/>,
    /// such as <c>--base-only</c>) and opens it; fails the test with the script's output if it fails.
    /// </summary>
    public static async Task<ImageArchive> RunAsync(string folder, string archive, params string[] options)
    {
        var path = Path.Combine(folder, archive);
        var building = Stopwatch.StartNew();
        var (code, output) = await ContainerRun.RunAsync(TimeSpan.FromMinutes(10), "/bin/bash",
            [Path.Combine(TestPaths.Repository, "deploy", "container", "build-image.sh"), .. options, path]);
        Assert.That(code, Is.Zero, output);
        TestContext.Progress.WriteLine($"build-image.sh {string.Join(' ', options)}: {building.Elapsed.TotalSeconds:F0} s; {output.Trim().Split('\n')[^1]}");
        return await ImageArchive.OpenAsync(path, Path.Combine(folder, Path.GetFileNameWithoutExtension(archive)));
    }
}
