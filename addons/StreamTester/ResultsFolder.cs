namespace Addons.StreamTester;

/// <summary>
/// Where a stream's result files go: the folder <c>streamtester_output</c> names, else <c>streamtester/</c> in the
/// host's data folder (its <c>confdir</c> option, <c>~/.addons</c> by default), else <c>addons-streamtester/</c> in the
/// temporary folder when no addon declares <c>confdir</c> or the home folder is unknown. Never the current folder,
/// which is often a source tree.
/// </summary>
internal static class ResultsFolder
{
    /// <summary>The host's option naming its data folder, read through the contract's option store.</summary>
    public const string DataFolderOption = "confdir";

    /// <summary>The absolute folder for <paramref name="output"/> (empty: the default) given the host's <paramref name="confdir"/>.</summary>
    public static string Resolve(string output, string? confdir)
    {
        if (output.Length > 0)
        {
            return Path.GetFullPath(TryExpandHome(output, out var expanded) ? expanded : output);
        }

        return !string.IsNullOrWhiteSpace(confdir) && TryExpandHome(confdir, out var data)
            ? Path.GetFullPath(Path.Combine(data, "streamtester"))
            : Path.Combine(Path.GetTempPath(), "addons-streamtester");
    }

    /// <summary>A leading <c>~</c> as the home folder, as the host reads <c>confdir</c>; false if it is needed and unknown.</summary>
    private static bool TryExpandHome(string path, out string expanded)
    {
        expanded = path;
        if (!path.StartsWith('~'))
        {
            return true;
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        expanded = home + path[1..];
        return home.Length > 0;
    }
}
