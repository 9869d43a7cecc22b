namespace Addons.Abstractions.Commands;

/// <summary>A registered command's signature.</summary>
public sealed record CommandInfo
{
    /// <summary>The command name, such as <c>view.filter.set</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The addon that registered it.</summary>
    public required string Owner { get; init; }

    /// <summary>One sentence describing it.</summary>
    public required string Help { get; init; }

    /// <summary>Its parameters in order.</summary>
    public required IReadOnlyList<CommandParameterInfo> Parameters { get; init; }

    /// <summary>The type of its result, or <see cref="void"/>.</summary>
    public required Type ResultType { get; init; }

    /// <summary>The signature as users read it: <c>view.order.set order:str -> void</c>.</summary>
    public string Signature =>
        $"{Name}{string.Concat(Parameters.Select(p => " " + p))} -> {CommandParameterInfo.TypeName(ResultType)}";
}
