namespace Addons.Abstractions.Flows;

/// <summary>The data frame type of a WebSocket message.</summary>
public enum WebSocketMessageType
{
    /// <summary>A UTF-8 text message (opcode 1).</summary>
    Text = 1,

    /// <summary>A binary message (opcode 2).</summary>
    Binary = 2,
}
