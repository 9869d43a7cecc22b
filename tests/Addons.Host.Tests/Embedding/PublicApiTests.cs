using Addons.Abstractions.Tests;

namespace Addons.Host.Tests.Embedding;

/// <summary>
/// Addons.Host's public API (the embedding API: AddAddonProxy and its types; everything else is internal), one
/// declaration a line, tracked as the contract's is in host/Addons.Host's PublicAPI.Shipped.txt and Unshipped.txt.
/// Applications embedding the proxy compile against the shipped lines, so none may go.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly PublicApiFiles Files = new(typeof(IAddonProxy).Assembly, PublicApiFiles.Folder(typeof(PublicApiTests).Assembly, "HostSource"), "Microsoft.Extensions.DependencyInjection");

    [Test]
    public void Every_public_declaration_is_shipped_or_unshipped()
    {
        if (Files.Untracked() is { Count: > 0 } untracked)
        {
            Assert.Fail($"The public API of Addons.Host has {untracked.Count} declaration(s) in neither PublicAPI.Shipped.txt nor PublicAPI.Unshipped.txt; if the change is intended, add these lines to {Files.UnshippedPath}:\n{string.Join('\n', untracked)}");
        }
    }

    [Test]
    public void No_shipped_declaration_is_gone_and_every_unshipped_one_exists()
    {
        Assert.That(Files.Gone(), Is.Empty, "shipped declarations that are gone or changed break the applications built against them");
        Assert.That(Files.Stale(), Is.Empty, $"lines of {Files.UnshippedPath} that are not in the public API");
    }
}
