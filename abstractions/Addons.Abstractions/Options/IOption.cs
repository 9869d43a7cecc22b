namespace Addons.Abstractions.Options;

/// <summary>A declared option, untyped: for listings and generic tools.</summary>
public interface IOption
{
    /// <summary>The option's name, such as <c>view_filter</c>.</summary>
    string Name { get; }

    /// <summary>The addon that declared it.</summary>
    string Owner { get; }

    /// <summary>One sentence describing it.</summary>
    string Help { get; }

    /// <summary>The value type.</summary>
    Type ValueType { get; }

    /// <summary>The only accepted values of a string option, or <c>null</c>.</summary>
    IReadOnlyList<string>? Choices { get; }

    /// <summary>The default value.</summary>
    object? DefaultValue { get; }

    /// <summary>The current value.</summary>
    object? CurrentValue { get; }

    /// <summary>The current value as it would be written after <c>--set name=</c>.</summary>
    string FormatValue();
}
