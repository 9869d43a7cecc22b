using System.Reflection;
using Addons.Abstractions;
using PublicApiGenerator;

namespace Addons.Abstractions.Tests;

/// <summary>
/// The contract's public API is approved text: any change to it shows up here, so a break is a conscious decision.
/// To accept a change, copy PublicAPI.received.txt over PublicAPI.approved.txt (both in abstractions/Addons.Abstractions)
/// and bump ContractMinor (additive) or ContractMajor (breaking) in the project file.
/// </summary>
public sealed class PublicApiTests
{
    [Test]
    public void ThePublicApiIsTheApprovedOne()
    {
        var source = typeof(PublicApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ContractSource").Value!;
        var approvedPath = Path.Combine(source, "PublicAPI.approved.txt");
        var receivedPath = Path.Combine(source, "PublicAPI.received.txt");
        var actual = typeof(Addon).Assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }).ReplaceLineEndings("\n");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";

        if (actual != approved)
        {
            File.WriteAllText(receivedPath, actual);
            Assert.Fail($"The public API of Addons.Abstractions changed; compare {receivedPath} with {approvedPath} and copy it over if the change is intended.");
        }

        File.Delete(receivedPath);
    }

    [Test]
    public void TheContractVersionIsMajorMinorOnly()
    {
        var version = typeof(Addon).Assembly.GetName().Version!;

        Assert.That((version.Build, version.Revision), Is.EqualTo((0, 0)), "patch releases must not change the contract's assembly identity");
    }
}
