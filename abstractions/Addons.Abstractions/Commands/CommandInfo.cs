namespace Addons.Abstractions.Commands;

/// <summary>A registered command's signature.</summary>
/// <param name="Name">The command name, such as <c>view.filter.set</c>.</param>
/// <param name="Owner">The addon that registered it.</param>
/// <param name="Help">One sentence describing it.</param>
/// <param name="Parameters">Its parameters in order.</param>
/// <param name="ResultType">The type of its result, or <see cref="void"/>.</param>
public sealed record CommandInfo(string Name, string Owner, string Help, IReadOnlyList<CommandParameterInfo> Parameters, Type ResultType)
{
    /// <summary>The signature as users read it: <c>view.order.set order:str -> void</c>.</summary>
    public string Signature =>
        $"{Name}{string.Concat(Parameters.Select(p => " " + p))} -> {CommandParameterInfo.TypeName(ResultType)}";
}
