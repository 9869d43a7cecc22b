using System.Reflection;
using Addons.Abstractions.Tests;
using PublicApiGenerator;

namespace Addons.Testing.Tests;

/// <summary>
/// The test kit's public API, one declaration a line, as the contract's is tracked: testing/Addons.Testing's
/// PublicAPI.Shipped.txt holds what released packages have, PublicAPI.Unshipped.txt what was added since. Tests written
/// against a released package (a template's among them) call the shipped lines, so none may go.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly string Source =
        typeof(PublicApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "TestingSource").Value!;

    private static readonly Lazy<IReadOnlyList<string>> Surface = new(() =>
        PublicApiDeclarations.Read(typeof(AddonTestHost).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false })));

    private static string ShippedPath => Path.Combine(Source, "PublicAPI.Shipped.txt");

    private static string UnshippedPath => Path.Combine(Source, "PublicAPI.Unshipped.txt");

    [Test]
    public void Every_public_declaration_is_shipped_or_unshipped()
    {
        var tracked = Lines(ShippedPath).Concat(Lines(UnshippedPath)).ToHashSet(StringComparer.Ordinal);
        var untracked = Surface.Value.Where(d => !tracked.Contains(d)).ToList();

        if (untracked.Count > 0)
        {
            Assert.Fail($"The public API of Addons.Testing has {untracked.Count} declaration(s) in neither PublicAPI.Shipped.txt nor PublicAPI.Unshipped.txt; if the change is intended, add these lines to {UnshippedPath}:\n{string.Join('\n', untracked)}");
        }
    }

    [Test]
    public void No_shipped_declaration_is_gone_and_every_unshipped_one_exists()
    {
        var surface = Surface.Value.ToHashSet(StringComparer.Ordinal);

        Assert.That(Lines(ShippedPath).Where(d => !surface.Contains(d)), Is.Empty, "shipped declarations that are gone or changed break the tests written against them");
        Assert.That(Lines(UnshippedPath).Where(d => !surface.Contains(d)), Is.Empty, $"lines of {UnshippedPath} that are not in the public API");
    }

    private static IEnumerable<string> Lines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Select(l => l.TrimEnd()).Where(l => l.Length > 0) : [];
}
