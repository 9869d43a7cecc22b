using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Commands;

/// <summary>One parameter of a command.</summary>
public sealed record CommandParameterInfo
{
    /// <summary>The parameter name.</summary>
    public required string Name { get; init; }

    /// <summary>The parameter type.</summary>
    public required Type Type { get; init; }

    /// <summary>Whether it may be left out (it has a default).</summary>
    public required bool IsOptional { get; init; }

    /// <summary>Whether it takes all remaining arguments (a trailing <c>string[]</c>).</summary>
    public required bool IsRest { get; init; }

    /// <summary>As users read it: <c>name:type</c>, <c>[name:type]</c> when optional, <c>name:type...</c> for the rest.</summary>
    public override string ToString()
    {
        var shown = IsRest && Type.IsArray ? TypeName(Type.GetElementType()!) + "..." : TypeName(Type);
        var text = $"{Name}:{shown}";
        return IsOptional ? $"[{text}]" : text;
    }

    /// <summary>A short name for a command type, as shown in signatures.</summary>
    public static string TypeName(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (type == typeof(void))
        {
            return "void";
        }

        if (type == typeof(string))
        {
            return "str";
        }

        if (type == typeof(bool))
        {
            return "bool";
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return "int";
        }

        if (type == typeof(double))
        {
            return "float";
        }

        if (typeof(Flow).IsAssignableFrom(type))
        {
            return "flow";
        }

        if (type.IsEnum)
        {
            return "choice";
        }

        var element = type.IsArray ? type.GetElementType() : type.IsGenericType ? type.GetGenericArguments()[0] : null;
        return element is not null ? $"{TypeName(element)}[]" : type.Name;
    }
}
