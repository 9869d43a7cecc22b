namespace Addons.Abstractions.Hooks;

/// <summary>What every hook receives: a cancellation token and the means to stop the rest of the chain.</summary>
public abstract class HookContext
{
    /// <summary>Creates a context whose work is cancelled by <paramref name="cancellationToken"/>.</summary>
    protected HookContext(CancellationToken cancellationToken) => CancellationToken = cancellationToken;

    /// <summary>Cancelled when the connection closes or the host stops.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Whether an addon called <see cref="Halt"/> for this event.</summary>
    public bool IsHalted { get; private set; }

    /// <summary>
    /// Stops this event from reaching the addons after the caller in the chain (mitmproxy's <c>AddonHalt</c>). It is not
    /// an error, and the next event goes through the whole chain again.
    /// </summary>
    public void Halt() => IsHalted = true;
}
