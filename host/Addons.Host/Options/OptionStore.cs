using System.Text.RegularExpressions;
using Addons.Abstractions.Options;

namespace Addons.Host.Options;

/// <summary>
/// Every addon's options. A change is applied to all named options at once and then announced to the addons through
/// <c>configure</c>; if one rejects it, every value is restored and the addons are configured again with the old
/// values, as mitmproxy's option manager does.
/// </summary>
internal sealed partial class OptionStore : IOptionStore
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _updates = new(1, 1);
    private readonly Dictionary<string, OptionEntry> _byName = new(StringComparer.Ordinal);
    private readonly List<OptionEntry> _ordered = [];

    /// <summary>Delivers <c>configure</c> to the chain; returns the rejection sentence of the addon that refused, or <c>null</c>.</summary>
    public Func<IReadOnlySet<string>, bool, CancellationToken, ValueTask<string?>>? Configure { get; set; }

    public IReadOnlyList<IOption> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _ordered];
            }
        }
    }

    public IOption? Find(string name)
    {
        lock (_gate)
        {
            return _byName.GetValueOrDefault(name);
        }
    }

    public T Get<T>(string name)
    {
        var option = Find(name) ?? throw new OptionsException($"No addon declares an option '{name}'.");
        return option is IOption<T> typed
            ? typed.Value
            : throw new OptionsException($"Option '{name}' of addon '{option.Owner}' holds {OptionValues.Describe(option.ValueType)}, not {typeof(T).Name}.");
    }

    /// <summary>Declares an option for <paramref name="owner"/>; a second identical declaration by the same addon returns the first.</summary>
    public IOption<T> Declare<T>(string owner, string name, T defaultValue, string help, IReadOnlyList<string>? choices)
    {
        if (!OptionName().IsMatch(name))
        {
            throw new OptionsException($"Addon '{owner}': option name '{name}' is not valid; use lower_snake_case such as view_filter.");
        }

        if (!OptionValues.IsSupported(typeof(T)))
        {
            throw new OptionsException($"Addon '{owner}': option '{name}' has type {typeof(T).Name}, which options cannot hold; use string, bool, int, long, double, TimeSpan, an enum or IReadOnlyList<string>.");
        }

        if (choices is not null && typeof(T) != typeof(string))
        {
            throw new OptionsException($"Addon '{owner}': option '{name}' has choices, which only string options can have.");
        }

        if (choices is not null && !choices.Contains(defaultValue as string))
        {
            throw new OptionsException($"Addon '{owner}': option '{name}' has the default '{defaultValue}', which is not one of its choices ({string.Join(", ", choices)}).");
        }

        lock (_gate)
        {
            if (_byName.TryGetValue(name, out var existing))
            {
                if (existing.Owner == owner && existing is OptionEntry<T> same && Equals(same.DefaultValue, defaultValue))
                {
                    return same;
                }

                throw new OptionsException($"Addon '{owner}': option '{name}' is already declared by addon '{existing.Owner}'.");
            }

            var entry = new OptionEntry<T>(name, owner, defaultValue, help, choices);
            _byName.Add(name, entry);
            _ordered.Add(entry);
            return entry;
        }
    }

    /// <summary>Forgets every option of an addon that is being unloaded.</summary>
    public void RemoveOwner(string owner) => Detach(owner);

    /// <summary>
    /// Takes every option of <paramref name="owner"/> out, with its value, and returns them: a new build of the addon
    /// may then declare the same names, and <see cref="Restore"/> puts them back if it fails to.
    /// </summary>
    public IReadOnlyList<OptionEntry> Detach(string owner)
    {
        lock (_gate)
        {
            var detached = _ordered.Where(o => o.Owner == owner).ToList();
            foreach (var entry in detached)
            {
                _ordered.Remove(entry);
                _byName.Remove(entry.Name);
            }

            return detached;
        }
    }

    /// <summary>Puts back options taken out by <see cref="Detach"/>, with their values.</summary>
    public void Restore(IEnumerable<OptionEntry> entries)
    {
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                if (_byName.TryAdd(entry.Name, entry))
                {
                    _ordered.Add(entry);
                }
            }
        }
    }

    /// <summary>
    /// Checks and converts <paramref name="input"/> for option <paramref name="name"/>; null with an error sentence
    /// (lower-case, with its final stop; without the source, which the caller adds) when it is not acceptable. An
    /// unknown name is answered with the closest declared ones.
    /// </summary>
    public bool TryConvert(string name, object? input, out object? value, out string? error)
    {
        value = null;
        var option = (OptionEntry?)Find(name);
        if (option is null)
        {
            var closest = ClosestNames.Find(name, All.Select(o => o.Name));
            error = closest.Count == 0
                ? $"no loaded addon declares an option '{name}'."
                : $"no loaded addon declares an option '{name}'; did you mean {string.Join(" or ", closest)}?";
            return false;
        }

        if (!OptionValues.TryConvert(option.ValueType, input, out value))
        {
            error = $"option '{name}' of addon '{option.Owner}' takes {OptionValues.Describe(option.ValueType)}, not '{OptionValues.Format(input)}'.";
            return false;
        }

        if (option.Choices is not null && !option.Choices.Contains(value as string))
        {
            error = $"option '{name}' of addon '{option.Owner}' takes one of {string.Join(", ", option.Choices)}, not '{value}'.";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Sets converted values at start, before the first configure, without announcing them.</summary>
    public void AssignInitial(string name, object? value) => ((OptionEntry?)Find(name))?.Assign(value);

    public ValueTask SetAsync(IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken = default) =>
        UpdateAsync(values.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal), cancellationToken);

    public async ValueTask UpdateAsync(IReadOnlyDictionary<string, object?> values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var converted = new Dictionary<string, object?>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var (name, input) in values)
        {
            if (TryConvert(name, input, out var value, out var error))
            {
                converted[name] = value;
            }
            else
            {
                errors.Add(Capitalize(error!));
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsException(string.Join(" ", errors));
        }

        await _updates.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var previous = converted.Keys.ToDictionary(n => n, n => Find(n)!.CurrentValue, StringComparer.Ordinal);
            foreach (var (name, value) in converted)
            {
                AssignInitial(name, value);
            }

            var updated = converted.Keys.ToHashSet(StringComparer.Ordinal);
            var rejection = Configure is null ? null : await Configure(updated, false, cancellationToken).ConfigureAwait(false);
            if (rejection is null)
            {
                foreach (var name in updated)
                {
                    if (Find(name) is OptionEntry entry)
                    {
                        entry.SetAtRunTime = true;
                    }
                }

                return;
            }

            foreach (var (name, value) in previous)
            {
                AssignInitial(name, value);
            }

            // Addons that accepted the new values are told to go back to the old ones.
            if (Configure is not null)
            {
                await Configure(updated, false, CancellationToken.None).ConfigureAwait(false);
            }

            throw new OptionsException($"{rejection} The change to {string.Join(", ", updated.Order(StringComparer.Ordinal))} was rolled back.");
        }
        finally
        {
            _updates.Release();
        }
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex OptionName();
}
