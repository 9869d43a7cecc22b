namespace Addons.Abstractions.Flows;

/// <summary>The WebSocket conversation that followed an HTTP upgrade.</summary>
public sealed class WebSocketData
{
    /// <summary>The messages in the order they passed the proxy.</summary>
    public IList<WebSocketMessage> Messages { get; set; } = [];

    /// <summary>Whether the client closed the connection; <c>null</c> while open.</summary>
    public bool? ClosedByClient { get; set; }

    /// <summary>The close code (RFC 6455 section 7.4), if a close frame was seen.</summary>
    public int? CloseCode { get; set; }

    /// <summary>The close reason, if any.</summary>
    public string? CloseReason { get; set; }

    /// <summary>When the WebSocket ended.</summary>
    public DateTimeOffset? TimestampEnd { get; set; }

    /// <summary>A deep copy of this conversation.</summary>
    public WebSocketData Clone() => new()
    {
        Messages = [.. Messages.Select(m => m.Clone())],
        ClosedByClient = ClosedByClient,
        CloseCode = CloseCode,
        CloseReason = CloseReason,
        TimestampEnd = TimestampEnd,
    };
}
