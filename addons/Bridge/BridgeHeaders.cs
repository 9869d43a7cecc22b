namespace Addons.Bridge;

/// <summary>The NATS headers each bridged message carries.</summary>
internal static class BridgeHeaders
{
    /// <summary>The id of the host that sent it: a host ignores its own messages, so nothing echoes.</summary>
    public const string Origin = "Addons-Origin";

    /// <summary>The message type's full name.</summary>
    public const string Type = "Addons-Type";

    /// <summary>The payload's format: <c>protobuf</c> for a protobuf message type, else <c>json</c>.</summary>
    public const string Format = "Addons-Format";

    /// <summary>JetStream's de-duplication id: a message sent twice within the stream's window is stored once.</summary>
    public const string MessageId = "Nats-Msg-Id";
}
