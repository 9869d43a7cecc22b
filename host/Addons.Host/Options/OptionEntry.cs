using Addons.Abstractions.Options;

namespace Addons.Host.Options;

/// <summary>A declared option and its current value; only the <see cref="OptionStore"/> changes it.</summary>
internal abstract class OptionEntry(string name, string owner, string help, Type valueType, IReadOnlyList<string>? choices) : IOption
{
    public string Name { get; } = name;

    public string Owner { get; } = owner;

    public string Help { get; } = help;

    public Type ValueType { get; } = valueType;

    public IReadOnlyList<string>? Choices { get; } = choices;

    public abstract object? DefaultValue { get; }

    public abstract object? CurrentValue { get; }

    /// <summary>
    /// Whether a change at run time (a command, the View's settings) set it: such a value is carried over to the
    /// option of the same name when a new build of the addon replaces it.
    /// </summary>
    public bool SetAtRunTime { get; set; }

    public string FormatValue() => OptionValues.Format(CurrentValue);

    /// <summary>Stores a value already converted to <see cref="ValueType"/>.</summary>
    internal abstract void Assign(object? value);
}

/// <summary>The typed form of <see cref="OptionEntry"/>.</summary>
internal sealed class OptionEntry<T>(string name, string owner, T defaultValue, string help, IReadOnlyList<string>? choices)
    : OptionEntry(name, owner, help, typeof(T), choices), IOption<T>
{
    // Values live in an immutable box swapped atomically, so readers never see a torn struct.
    private Tuple<T> _value = Tuple.Create(defaultValue);

    public T Value => Volatile.Read(ref _value).Item1;

    public T Default => defaultValue;

    public override object? DefaultValue => Default;

    public override object? CurrentValue => Value;

    internal override void Assign(object? value) => Volatile.Write(ref _value, Tuple.Create((T)value!));
}
