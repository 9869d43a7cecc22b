using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Addons.Testing.Logging;

/// <summary>
/// The logger factory of an <see cref="AddonTestHost"/>: every logger it makes, the addons' and the host's, writes into
/// one list, at every level. An entry names its addon when its category is one an addon was given.
/// </summary>
internal sealed class LogCapture : ILoggerFactory
{
    private readonly List<CapturedLog> _entries = [];
    private readonly ConcurrentDictionary<string, string> _addonsByCategory = new(StringComparer.Ordinal);

    public IReadOnlyList<CapturedLog> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new CapturedLogger(this, categoryName, null);

    /// <summary>The logger an addon is given in <c>load</c>, named after its type.</summary>
    public ILogger CreateAddonLogger(string category, string addon)
    {
        Attribute(category, addon);
        return new CapturedLogger(this, category, addon);
    }

    /// <summary>Entries of <paramref name="category"/> from now on name <paramref name="addon"/> (its constructor's <c>ILogger&lt;T&gt;</c>).</summary>
    public void Attribute(string category, string addon) => _addonsByCategory.TryAdd(category, addon);

    public void Add(LogLevel level, string category, string? addon, EventId eventId, string message, Exception? exception)
    {
        var entry = new CapturedLog(level, category, addon ?? _addonsByCategory.GetValueOrDefault(category), eventId, message, exception);
        lock (_entries)
        {
            _entries.Add(entry);
        }
    }

    public void Clear()
    {
        lock (_entries)
        {
            _entries.Clear();
        }
    }

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("An AddonTestHost keeps its logs in AddonTestHost.Logs; it takes no other logger provider.");

    public void Dispose()
    {
    }
}
