using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Addons.Host.Options;

/// <summary>The option value types the host supports, and their conversion from text, configuration and objects.</summary>
internal static class OptionValues
{
    public static bool IsSupported(Type type) =>
        type == typeof(string) || type == typeof(bool) || type == typeof(int) || type == typeof(long) ||
        type == typeof(double) || type == typeof(TimeSpan) || type.IsEnum || type == typeof(IReadOnlyList<string>);

    /// <summary>What a value of <paramref name="type"/> looks like, for error messages.</summary>
    public static string Describe(Type type) =>
        type == typeof(string) ? "a string"
        : type == typeof(bool) ? "true or false"
        : type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(double) ? "a number"
        : type == typeof(TimeSpan) ? "a duration such as 00:00:05 or 5s"
        : type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type).Select(ToSnakeCase))}"
        : "a list of strings";

    /// <summary>Parses text such as the right-hand side of <c>--set name=value</c>.</summary>
    public static bool TryParse(Type type, string text, out object? value)
    {
        value = null;
        if (type == typeof(string))
        {
            value = text;
            return true;
        }

        if (type == typeof(bool))
        {
            if (bool.TryParse(text.Trim(), out var b))
            {
                value = b;
                return true;
            }

            return false;
        }

        if (type == typeof(int))
        {
            if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
            {
                value = i;
                return true;
            }

            return false;
        }

        if (type == typeof(long))
        {
            if (long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
            {
                value = l;
                return true;
            }

            return false;
        }

        if (type == typeof(double))
        {
            if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
            {
                value = d;
                return true;
            }

            return false;
        }

        if (type == typeof(TimeSpan))
        {
            return TryParseDuration(text.Trim(), out value);
        }

        if (type.IsEnum)
        {
            var name = text.Trim().Replace("_", "", StringComparison.Ordinal);
            if (name.Length > 0 && !char.IsAsciiDigit(name[0]) && Enum.TryParse(type, name, ignoreCase: true, out var e))
            {
                value = e;
                return true;
            }

            return false;
        }

        if (type == typeof(IReadOnlyList<string>))
        {
            value = text.Length == 0 ? Array.Empty<string>() : new[] { text };
            return true;
        }

        return false;
    }

    /// <summary>Reads a configuration section: a scalar as text, a list option also from an array.</summary>
    public static bool TryRead(Type type, IConfigurationSection section, out object? value)
    {
        if (type == typeof(IReadOnlyList<string>) && section.Value is null)
        {
            var items = section.GetChildren().ToList();
            if (items.Any(i => i.Value is null))
            {
                value = null;
                return false;
            }

            value = items.OrderBy(i => int.TryParse(i.Key, out var n) ? n : int.MaxValue).Select(i => i.Value!).ToArray();
            return true;
        }

        if (section.Value is null)
        {
            // An empty JSON array or object reads as no value: only a list can be empty.
            value = null;
            return false;
        }

        return TryParse(type, section.Value, out value);
    }

    /// <summary>Accepts a typed value of the option's type, or text to parse.</summary>
    public static bool TryConvert(Type type, object? input, out object? value)
    {
        switch (input)
        {
            case null:
                value = null;
                return type == typeof(string);
            case string text when type != typeof(string):
                return TryParse(type, text, out value);
            case IEnumerable<string> list when type == typeof(IReadOnlyList<string>):
                value = list.ToArray();
                return true;
            case int i when type == typeof(long):
                value = (long)i;
                return true;
            case int or long when type == typeof(double):
                value = Convert.ToDouble(input, CultureInfo.InvariantCulture);
                return true;
        }

        value = input;
        return type.IsInstanceOfType(input);
    }

    /// <summary>Formats a value as it would be given to <c>--set</c>.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        Enum e => ToSnakeCase(e.ToString()),
        IReadOnlyList<string> list => string.Join(",", list),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static bool AreEqual(object? a, object? b) =>
        a is IReadOnlyList<string> x && b is IReadOnlyList<string> y ? x.SequenceEqual(y) : Equals(a, b);

    private static bool TryParseDuration(string text, out object? value)
    {
        value = null;
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600) };
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) &&
                double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) &&
                double.IsFinite(n) && n >= 0)
            {
                value = TimeSpan.FromSeconds(n * seconds);
                return true;
            }
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            value = span;
            return true;
        }

        return false;
    }

    private static string ToSnakeCase(string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
