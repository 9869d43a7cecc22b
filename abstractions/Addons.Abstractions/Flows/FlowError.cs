namespace Addons.Abstractions.Flows;

/// <summary>Why a flow did not complete normally.</summary>
/// <param name="Message">A human-readable description of the error.</param>
/// <param name="Timestamp">When the error occurred.</param>
public sealed record FlowError(string Message, DateTimeOffset Timestamp)
{
    /// <summary>The message a flow carries after <see cref="Flow.Kill"/>.</summary>
    public const string KilledMessage = "Connection killed.";

    /// <summary>Whether this error records a kill by an addon or the user.</summary>
    public bool IsKill => Message == KilledMessage;
}
