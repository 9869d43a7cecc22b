namespace Addons.Host.Configuration;

/// <summary>
/// One <c>--addon PATH</c> of the command line: a plugin's .dll, or its .csproj to build first, loaded as if plugins.json
/// listed it under its file name (<see cref="Id"/>) as a required plugin.
/// </summary>
/// <param name="Path">The path as given, relative to the current folder.</param>
internal sealed record AddonArgument(string Path)
{
    /// <summary>Its id in the <c>Addons</c> section: the file name without its extension.</summary>
    public string Id => System.IO.Path.GetFileNameWithoutExtension(Path);

    public string FullPath => System.IO.Path.GetFullPath(Path);

    /// <summary>Whether it names a project, which the host builds (<c>dotnet build</c>) before loading its assembly.</summary>
    public bool IsProject => Path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase);

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

    /// <summary>Whether <paramref name="path"/> names what --addon loads.</summary>
    public static bool IsAddonPath(string path) =>
        path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase);
}
