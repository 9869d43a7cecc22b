using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// A logger provider that keeps every message, to assert on what a user would read in the log, with the fields of
/// the scopes it was written in (what the JSON console formatter prints with IncludeScopes).
/// </summary>
internal sealed class LogCollector : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogLine> _lines = new();
    private IExternalScopeProvider? _scopes;

    public IReadOnlyList<LogLine> Lines => [.. _lines];

    public IReadOnlyList<LogLine> Errors => [.. _lines.Where(l => l.Level >= LogLevel.Error)];

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    /// <summary>The fields of the scopes open now, innermost last.</summary>
    private Dictionary<string, object?> ScopeFields()
    {
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        _scopes?.ForEachScope(static (scope, fields) =>
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    fields[key] = value;
                }
            }
        }, fields);
        return fields;
    }

    private sealed class Collector(LogCollector owner, string category) : ILogger
    {
        // Scopes go to the factory's external scope provider (ISupportExternalScope), never here.
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue(new LogLine(logLevel, category, formatter(state, exception), exception) { Scope = owner.ScopeFields() });
    }
}

/// <summary>One collected log message.</summary>
internal sealed record LogLine(LogLevel Level, string Category, string Message, Exception? Exception)
{
    /// <summary>The fields of the scopes the message was written in.</summary>
    public IReadOnlyDictionary<string, object?> Scope { get; init; } = new Dictionary<string, object?>();

    public override string ToString() => $"{Level}: {Message}";
}
