namespace Addons.Abstractions.Options;

/// <summary>Every addon's options. Changes are atomic: if any addon rejects them in <c>configure</c>, all roll back.</summary>
public interface IOptionStore
{
    /// <summary>Every declared option, in declaration order.</summary>
    IReadOnlyList<IOption> All { get; }

    /// <summary>The option named <paramref name="name"/>, or <c>null</c>.</summary>
    IOption? Find(string name);

    /// <summary>The typed value of <paramref name="name"/>; throws <see cref="OptionsException"/> if it is not declared with that type.</summary>
    T Get<T>(string name);

    /// <summary>
    /// Parses and applies values given as text (as <c>--set name=value</c> does), then configures every addon with the
    /// changed names. Throws <see cref="OptionsException"/> naming the option when a name is unknown, a value does not
    /// parse, or an addon rejects the change; the options are then as they were before.
    /// </summary>
    ValueTask SetAsync(IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="SetAsync"/>, with typed values.</summary>
    ValueTask UpdateAsync(IReadOnlyDictionary<string, object?> values, CancellationToken cancellationToken = default);
}
