using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Addons.Abstractions;

namespace Addons.Host.Loading;

/// <summary>
/// Reads which contract version a plugin assembly was compiled against, from its metadata and without loading it:
/// the runtime would otherwise refuse a newer contract silently and load the plugin's own copy (McMaster pitfall 2).
/// </summary>
internal static class ContractReference
{
    public static readonly Version HostVersion = typeof(Addon).Assembly.GetName().Version!;

    public static string ContractName => typeof(Addon).Assembly.GetName().Name!;

    /// <summary>The version of Addons.Abstractions that <paramref name="assemblyPath"/> references, or <c>null</c> if none.</summary>
    public static Version? Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            throw new BadImageFormatException($"{assemblyPath} is not a .NET assembly.");
        }

        var reader = pe.GetMetadataReader();
        foreach (var handle in reader.AssemblyReferences)
        {
            var reference = reader.GetAssemblyReference(handle);
            if (reader.StringComparer.Equals(reference.Name, ContractName))
            {
                return reference.Version;
            }
        }

        return null;
    }

    /// <summary>The contract versions this host supports, for messages: <c>2.0 to 2.3</c>, or <c>2.0</c> alone.</summary>
    public static string SupportedVersions =>
        HostVersion.Minor == 0 ? $"{HostVersion.Major}.0" : $"{HostVersion.Major}.0 to {HostVersion.Major}.{HostVersion.Minor}";

    /// <summary>A host supports plugins built against the same contract major and an equal or lower minor.</summary>
    public static bool IsSupported(Version pluginVersion) =>
        pluginVersion.Major == HostVersion.Major && pluginVersion.Minor <= HostVersion.Minor;
}
