namespace Addons.Abstractions.Hooks;

/// <summary>
/// The context of <c>configure</c>: which options changed. An addon that cannot accept the new values calls
/// <see cref="Reject"/>; every option of the change then rolls back, and every addon is configured again with the old values.
/// </summary>
public sealed class ConfigureContext(IReadOnlySet<string> updated, bool isInitial, CancellationToken cancellationToken)
    : HookContext(cancellationToken)
{
    /// <summary>The names of the options that changed (at start: every option).</summary>
    public IReadOnlySet<string> Updated { get; } = updated;

    /// <summary>Whether this is the first configure at start, which carries every option.</summary>
    public bool IsInitial { get; } = isInitial;

    /// <summary>The reason given by the first rejecting addon, or <c>null</c>.</summary>
    public string? RejectionReason { get; private set; }

    /// <summary>Rejects the change with a sentence a user can act on, such as "view_filter: unexpected ')' at 4".</summary>
    public void Reject(string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        RejectionReason ??= reason;
        Halt();
    }
}
