using System.Reflection;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>Where the test plugins, the shipped plugins and the built host are.</summary>
internal static class TestPaths
{
    public static string TestPlugin(string name) => Path.Combine(AppContext.BaseDirectory, "TestPlugins", name, name + ".dll");

    public static string ShippedPlugin(string name) => Path.Combine(AppContext.BaseDirectory, "addons", name, name + ".dll");

    /// <summary>The host's own build output (with its published plugins), for tests that run it as a process.</summary>
    public static string HostOutput =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "HostOutput").Value!;

    /// <summary>The configuration this run's build used (Debug or Release).</summary>
    public static string Configuration =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "Configuration").Value!;

    /// <summary>The contract's project file, abstractions/Addons.Abstractions/Addons.Abstractions.csproj in the repository.</summary>
    public static string ContractProject =>
        typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "ContractProject").Value!;

    /// <summary>The repository's root folder.</summary>
    public static string Repository => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ContractProject)!, "..", ".."));

    /// <summary>A sample's folder, samples/<paramref name="name"/> in the repository.</summary>
    public static string Sample(string name) => Path.Combine(Repository, "samples", name);

    /// <summary>JSON text for a string, quoted and escaped.</summary>
    public static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
