using System.Diagnostics;
using System.Reflection;
using Addons.Abstractions;
using PublicApiGenerator;

namespace Addons.Abstractions.Tests;

/// <summary>
/// The contract's public API, one declaration a line, as shipped and unshipped (as the PublicApiAnalyzers track it):
/// abstractions/Addons.Abstractions/PublicAPI.Shipped.txt holds what released packages have, PublicAPI.Unshipped.txt
/// what was added since. A new declaration goes into Unshipped.txt and bumps ContractMinor; a release moves Unshipped
/// into Shipped; a shipped declaration stays until the next ContractMajor, as every plugin built against it needs it.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly string Source =
        typeof(PublicApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ContractSource").Value!;

    /// <summary>The public API as PublicApiGenerator writes it, one declaration a line.</summary>
    private static readonly Lazy<IReadOnlyList<string>> Surface = new(() =>
        PublicApiDeclarations.Read(typeof(Addon).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false })));

    private static string ShippedPath => Path.Combine(Source, "PublicAPI.Shipped.txt");

    private static string UnshippedPath => Path.Combine(Source, "PublicAPI.Unshipped.txt");

    [Test]
    public void Every_public_declaration_is_shipped_or_unshipped()
    {
        var tracked = Lines(ShippedPath).Concat(Lines(UnshippedPath)).ToHashSet(StringComparer.Ordinal);
        var untracked = Surface.Value.Where(d => !tracked.Contains(d)).ToList();

        if (untracked.Count > 0)
        {
            Assert.Fail($"The public API of Addons.Abstractions has {untracked.Count} declaration(s) in neither PublicAPI.Shipped.txt nor PublicAPI.Unshipped.txt; if the change is intended, add these lines to {UnshippedPath} and bump ContractMinor:\n{string.Join('\n', untracked)}");
        }
    }

    [Test]
    public void No_shipped_declaration_is_gone()
    {
        var surface = Surface.Value.ToHashSet(StringComparer.Ordinal);
        var gone = Lines(ShippedPath).Where(d => !surface.Contains(d)).ToList();

        if (gone.Count > 0)
        {
            Assert.Fail($"{gone.Count} shipped declaration(s) of Addons.Abstractions are gone or changed, a breaking change for every plugin built against them; restore them, or bump ContractMajor and remove them from {ShippedPath}:\n{string.Join('\n', gone)}");
        }
    }

    [Test]
    public void Every_unshipped_declaration_exists()
    {
        var surface = Surface.Value.ToHashSet(StringComparer.Ordinal);
        var stale = Lines(UnshippedPath).Where(d => !surface.Contains(d)).ToList();

        if (stale.Count > 0)
        {
            Assert.Fail($"{stale.Count} line(s) of PublicAPI.Unshipped.txt are not in the public API of Addons.Abstractions; remove them from {UnshippedPath}:\n{string.Join('\n', stale)}");
        }
    }

    [Test]
    public void The_declarations_are_read_one_a_line_with_their_attributes_and_where_clauses()
    {
        var declarations = PublicApiDeclarations.Read("""
            namespace N
            {
                [System.Obsolete]
                public sealed class C<T> : System.IEquatable<N.C<T>>
                    where T : notnull
                {
                    public C((string A, string B) pair, [System.Runtime.CompilerServices.TupleElementNames(new string[] {
                            "Name",
                            "Value"})] params System.ValueTuple<string, string>[] fields) { }
                    public string this[int index] { get; }
                    public void M<U>(string s = "}")
                        where U : class { }
                    public enum Kind
                    {
                        A = 0,
                    }
                }
            }
            namespace N.M
            {
                public delegate void D();
            }
            """);

        Assert.That(declarations, Is.EqualTo(new[]
        {
            "N: [System.Obsolete] public sealed class C<T> : System.IEquatable<N.C<T>> where T : notnull",
            "N.C<T>: public C((string A, string B) pair, [System.Runtime.CompilerServices.TupleElementNames(new string[] { \"Name\", \"Value\"})] params System.ValueTuple<string, string>[] fields) { }",
            "N.C<T>: public string this[int index] { get; }",
            "N.C<T>: public void M<U>(string s = \"}\") where U : class { }",
            "N.C<T>: public enum Kind",
            "N.C<T>.Kind: A = 0,",
            "N.M: public delegate void D();",
        }));
    }

    [Test]
    public void The_contract_version_is_major_minor_only_and_the_file_version_carries_the_patch()
    {
        var assembly = typeof(Addon).Assembly;
        var version = assembly.GetName().Version!;
        var file = new Version(FileVersionInfo.GetVersionInfo(assembly.Location).FileVersion!);

        Assert.That((version.Build, version.Revision), Is.EqualTo((0, 0)), "patch releases must not change the contract's assembly identity");
        Assert.That((file.Major, file.Minor, file.Revision), Is.EqualTo((version.Major, version.Minor, 0)), "the file version is Major.Minor.Patch.0");
    }

    [Test]
    public void Public_records_are_positional_only_where_their_protocol_fixes_them()
    {
        // A positional record's constructor and Deconstruct change when a property is added, which breaks every caller
        // compiled against the old ones; records that can grow have init properties instead (docs/writing-addons.md).
        string[] fixedShape = ["DnsQuestion", "DnsResourceRecord", "FlowError", "HeaderField", "HostPort"];
        var positional = typeof(Addon).Assembly.GetExportedTypes()
            .Where(t => t.GetMethod("Deconstruct", BindingFlags.Public | BindingFlags.Instance) is not null)
            .Select(t => t.Name)
            .Order(StringComparer.Ordinal);

        Assert.That(positional, Is.EqualTo(fixedShape));
    }

    private static IEnumerable<string> Lines(string path) =>
        File.Exists(path) ? File.ReadAllLines(path).Select(l => l.TrimEnd()).Where(l => l.Length > 0) : [];
}
