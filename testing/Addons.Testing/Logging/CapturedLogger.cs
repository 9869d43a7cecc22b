using Microsoft.Extensions.Logging;

namespace Addons.Testing.Logging;

/// <summary>A logger of <see cref="LogCapture"/>: every level is enabled, and each entry is kept formatted.</summary>
internal sealed class CapturedLogger(LogCapture capture, string category, string? addon) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            capture.Add(logLevel, category, addon, eventId, formatter(state, exception), exception);
        }
    }
}
