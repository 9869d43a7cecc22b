namespace Addons.Abstractions.Options;

/// <summary>A declared option with its typed current value. Values change only through <see cref="IOptionStore"/>.</summary>
/// <typeparam name="T">The value type.</typeparam>
public interface IOption<out T> : IOption
{
    /// <summary>The current value.</summary>
    T Value { get; }
}
