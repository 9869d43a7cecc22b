namespace Addons.Bridge;

/// <summary>The bridge could not use NATS; the message is one sentence naming the server and the reason.</summary>
internal sealed class BridgeException(string message, Exception? innerException = null) : Exception(message, innerException);
