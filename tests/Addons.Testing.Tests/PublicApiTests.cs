using Addons.Abstractions.Tests;

namespace Addons.Testing.Tests;

/// <summary>
/// The test kit's public API, one declaration a line, as the contract's is tracked: testing/Addons.Testing's
/// PublicAPI.Shipped.txt holds what released packages have, PublicAPI.Unshipped.txt what was added since. Tests written
/// against a released package (a template's among them) call the shipped lines, so none may go.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly PublicApiFiles Files = new(typeof(AddonTestHost).Assembly, PublicApiFiles.Folder(typeof(PublicApiTests).Assembly, "TestingSource"));

    [Test]
    public void Every_public_declaration_is_shipped_or_unshipped()
    {
        if (Files.Untracked() is { Count: > 0 } untracked)
        {
            Assert.Fail($"The public API of Addons.Testing has {untracked.Count} declaration(s) in neither PublicAPI.Shipped.txt nor PublicAPI.Unshipped.txt; if the change is intended, add these lines to {Files.UnshippedPath}:\n{string.Join('\n', untracked)}");
        }
    }

    [Test]
    public void No_shipped_declaration_is_gone_and_every_unshipped_one_exists()
    {
        Assert.That(Files.Gone(), Is.Empty, "shipped declarations that are gone or changed break the tests written against them");
        Assert.That(Files.Stale(), Is.Empty, $"lines of {Files.UnshippedPath} that are not in the public API");
    }
}
