namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// A tiny plugin project written outside the repository, as an addon author's own would be: it sees none of the
/// repository's props and compiles against the contract these tests were built with, without shipping a copy of it.
/// </summary>
internal static class AddonProject
{
    /// <summary>
    /// Writes <c>{name}.csproj</c> and <c>{name}.cs</c> into <paramref name="folder"/>; returns the project's path.
    /// <paramref name="dynamicLoading"/> false leaves out EnableDynamicLoading, so that dotnet build does not copy packages.
    /// </summary>
    public static string Write(string folder, string name, string source, string items = "", bool dynamicLoading = true)
    {
        Directory.CreateDirectory(folder);
        var contract = Path.Combine(AppContext.BaseDirectory, "Addons.Abstractions.dll");
        File.WriteAllText(Path.Combine(folder, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <EnableDynamicLoading>{(dynamicLoading ? "true" : "false")}</EnableDynamicLoading>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="Addons.Abstractions" HintPath="{contract}" Private="false" />
                {items}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, name + ".cs"), source);
        return Path.Combine(folder, name + ".csproj");
    }

    /// <summary>An addon named <paramref name="name"/> (lower case) with one command, <c>name.hello</c>.</summary>
    public static string HelloSource(string name) => $$"""
        using Addons.Abstractions;

        [assembly: AddonEntryPoint(typeof({{name}}.{{name}}Addon))]

        namespace {{name}};

        public sealed class {{name}}Addon : Addon
        {
            public override void Load(IAddonLoader loader) => loader.AddCommand($"{Name}.hello", () => "hello from {{name}}", "Says hello.");
        }
        """;
}
