using System.Reflection;
using PublicApiGenerator;

namespace Addons.Abstractions.Tests;

/// <summary>
/// A package's public API against its PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt (the folder of its project),
/// one declaration a line: the checks the contract, the test kit and the host's embedding API each run on their own.
/// </summary>
/// <remarks>
/// PublicApiGenerator leaves out types in Microsoft.* and System.* namespaces unless allowed, as an extension class in
/// Microsoft.Extensions.DependencyInjection must be (<paramref name="allowNamespacePrefixes"/>).
/// </remarks>
internal sealed class PublicApiFiles(Assembly assembly, string folder, params string[] allowNamespacePrefixes)
{
    private readonly Lazy<IReadOnlyList<string>> _surface = new(() => PublicApiDeclarations.Read(assembly.GeneratePublicApi(
        new ApiGeneratorOptions { IncludeAssemblyAttributes = false, AllowNamespacePrefixes = allowNamespacePrefixes })));

    public string ShippedPath => Path.Combine(folder, "PublicAPI.Shipped.txt");

    public string UnshippedPath => Path.Combine(folder, "PublicAPI.Unshipped.txt");

    /// <summary>Public declarations in neither file.</summary>
    public IReadOnlyList<string> Untracked()
    {
        var tracked = Lines(ShippedPath).Concat(Lines(UnshippedPath)).ToHashSet(StringComparer.Ordinal);
        return [.. _surface.Value.Where(d => !tracked.Contains(d))];
    }

    /// <summary>Shipped declarations that are gone or changed.</summary>
    public IReadOnlyList<string> Gone() => Missing(ShippedPath);

    /// <summary>Unshipped lines that are not in the public API.</summary>
    public IReadOnlyList<string> Stale() => Missing(UnshippedPath);

    /// <summary>The folder named by the test assembly's <c>AssemblyMetadata(key, folder)</c>.</summary>
    public static string Folder(Assembly tests, string key) =>
        tests.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;

    private List<string> Missing(string path)
    {
        var surface = _surface.Value.ToHashSet(StringComparer.Ordinal);
        return [.. Lines(path).Where(d => !surface.Contains(d))];
    }

    private static IEnumerable<string> Lines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Select(l => l.TrimEnd()).Where(l => l.Length > 0) : [];
}
