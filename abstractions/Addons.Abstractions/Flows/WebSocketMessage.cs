using System.Text;

namespace Addons.Abstractions.Flows;

/// <summary>One WebSocket message; addons may change <see cref="Content"/> or drop it in <c>websocket_message</c>.</summary>
public sealed class WebSocketMessage
{
    /// <summary>Text or binary.</summary>
    public WebSocketMessageType Type { get; set; }

    /// <summary>Whether the client sent it.</summary>
    public bool FromClient { get; set; }

    /// <summary>The message payload.</summary>
    public byte[] Content { get; set; } = [];

    /// <summary>When the message was received.</summary>
    public DateTimeOffset Timestamp { get; set; }

    /// <summary>Whether the message was dropped instead of forwarded.</summary>
    public bool Dropped { get; set; }

    /// <summary>Whether the message was injected by an addon rather than sent by a peer.</summary>
    public bool Injected { get; set; }

    /// <summary>The payload decoded as UTF-8.</summary>
    public string Text => Encoding.UTF8.GetString(Content);

    /// <summary>A deep copy of this message.</summary>
    public WebSocketMessage Clone() => new()
    {
        Type = Type,
        FromClient = FromClient,
        Content = Content.ToArray(),
        Timestamp = Timestamp,
        Dropped = Dropped,
        Injected = Injected,
    };
}
