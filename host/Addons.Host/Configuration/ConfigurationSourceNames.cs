using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Addons.Host.Configuration;

/// <summary>Names where a configuration key's value came from, so errors can point at the right file or variable.</summary>
internal static class ConfigurationSourceNames
{
    /// <summary>"plugins.json (/path)", "environment variable Addons__View__Order", "the command line"; or "configuration".</summary>
    public static string Describe(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return "configuration";
        }

        var leaf = FirstLeaf(configuration, key) ?? key;
        foreach (var provider in root.Providers.Reverse())
        {
            if (!provider.TryGet(leaf, out _))
            {
                continue;
            }

            return provider switch
            {
                FileConfigurationProvider file => file.Source.FileProvider?.GetFileInfo(file.Source.Path ?? "").PhysicalPath
                    ?? file.Source.Path ?? "a configuration file",
                EnvironmentVariablesConfigurationProvider => $"environment variable {leaf.Replace(":", "__", StringComparison.Ordinal)}",
                CommandLineConfigurationProvider => "the command line",
                _ => "configuration",
            };
        }

        return "configuration";
    }

    private static string? FirstLeaf(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        if (section.Value is not null)
        {
            return key;
        }

        foreach (var child in section.GetChildren())
        {
            if (FirstLeaf(configuration, child.Path) is { } leaf)
            {
                return leaf;
            }
        }

        return null;
    }
}
