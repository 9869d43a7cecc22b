using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Commands;

/// <summary>One parameter of a command.</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="Type">The parameter type.</param>
/// <param name="IsOptional">Whether it may be left out (it has a default).</param>
/// <param name="IsRest">Whether it takes all remaining arguments (a trailing <c>string[]</c>).</param>
public sealed record CommandParameterInfo(string Name, Type Type, bool IsOptional, bool IsRest)
{
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
