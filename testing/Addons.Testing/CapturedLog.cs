using Microsoft.Extensions.Logging;

namespace Addons.Testing;

/// <summary>
/// One log entry written while an <see cref="AddonTestHost"/> ran: by an addon's logger (<c>loader.Logger</c>, or an
/// <c>ILogger&lt;T&gt;</c> its constructor asked for) or by the host's own parts, such as the chain's
/// <c>Addon 'x' failed in hook 'request'</c>. mitmproxy's test master keeps the same for <c>has_log</c>.
/// </summary>
public sealed class CapturedLog
{
    internal CapturedLog(LogLevel level, string category, string? addon, EventId eventId, string message, Exception? exception)
    {
        Level = level;
        Category = category;
        Addon = addon;
        EventId = eventId;
        Message = message;
        Exception = exception;
    }

    /// <summary>The entry's level.</summary>
    public LogLevel Level { get; }

    /// <summary>The logger's category: the addon's type name for an addon, such as <c>Hello.HelloAddon</c>.</summary>
    public string Category { get; }

    /// <summary>The name of the addon whose logger wrote it, or <c>null</c> for the host's own parts.</summary>
    public string? Addon { get; }

    /// <summary>The entry's event id.</summary>
    public EventId EventId { get; }

    /// <summary>The message as a log shows it, its placeholders filled in.</summary>
    public string Message { get; }

    /// <summary>The exception logged with it, if any.</summary>
    public Exception? Exception { get; }

    /// <summary>The entry on one line, as <c>Warning hello: the message</c>.</summary>
    public override string ToString() => $"{Level} {Addon ?? Category}: {Message}";
}
