namespace Addons.Host.Configuration;

/// <summary>
/// One <c>--addon PATH</c> of the command line: a plugin's .dll, its .csproj to build first, or the folder holding that
/// .csproj (directly, or as <c>NAME/NAME.csproj</c>, the layout <c>dotnet new addon -n NAME</c> makes), loaded as if
/// plugins.json listed it under its file name (<see cref="Id"/>) as a required plugin.
/// </summary>
internal sealed record AddonArgument
{
    private readonly string _target;

    /// <param name="path">The path as given, relative to the current folder.</param>
    public AddonArgument(string path)
    {
        Path = path;
        _target = ProjectInFolder(path, out _) ?? path;
    }

    /// <summary>The path as given.</summary>
    public string Path { get; }

    /// <summary>Its id in the <c>Addons</c> section: the file name of the .dll or .csproj without its extension.</summary>
    public string Id => System.IO.Path.GetFileNameWithoutExtension(_target);

    /// <summary>The .dll or .csproj, in full; for a folder, the project found in it.</summary>
    public string FullPath => System.IO.Path.GetFullPath(_target);

    /// <summary>Whether it names a project, which the host builds (<c>dotnet build</c>) before loading its assembly.</summary>
    public bool IsProject => _target.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The configuration keys it stands for, added after plugins.json and before the environment and the command line:
    /// it replaces the path of a plugins.json entry with its id (which keeps its order and options), and
    /// <c>--Addons:Id:Order=N</c> still places it.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string?>> ConfigurationKeys =>
    [
        new($"{PluginEntryReader.SectionName}:{Id}:Path", FullPath),
        new($"{PluginEntryReader.SectionName}:{Id}:Enabled", "true"),
        new($"{PluginEntryReader.SectionName}:{Id}:Required", "true"),
    ];

    /// <summary>Why <paramref name="path"/> is not something --addon loads, in one sentence; <c>null</c> when it is.</summary>
    public static string? Problem(string path)
    {
        if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!Directory.Exists(path))
        {
            return $"--addon {path}: expected a plugin's .dll, its .csproj, or the folder holding its .csproj.";
        }

        return ProjectInFolder(path, out var found) is null
            ? found.Length > 1
                ? $"--addon {path}: the folder holds {found.Length} projects ({string.Join(", ", found.Select(System.IO.Path.GetFileName))}); name the one to load."
                : $"--addon {path}: the folder holds no .csproj, nor {System.IO.Path.Combine(path, NameOf(path), NameOf(path) + ".csproj")}."
            : null;
    }

    // The folder's one project, else NAME/NAME.csproj below it; found lists the folder's own projects.
    private static string? ProjectInFolder(string path, out string[] found)
    {
        found = [];
        if (!Directory.Exists(path))
        {
            return null;
        }

        found = [.. Directory.GetFiles(path, "*.csproj").Order(StringComparer.Ordinal)];
        if (found.Length > 0)
        {
            return found.Length == 1 ? found[0] : null;
        }

        var nested = System.IO.Path.Combine(path, NameOf(path), NameOf(path) + ".csproj");
        return File.Exists(nested) ? nested : null;
    }

    private static string NameOf(string folder) => System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder)));
}
