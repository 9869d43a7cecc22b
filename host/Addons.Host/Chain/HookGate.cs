namespace Addons.Host.Chain;

/// <summary>
/// Holds back the hooks of one watched plugin while a new build takes its place. Closing the gate lets the hooks
/// already running in the old instance finish (the swap waits for them, at most <c>Watch:HookTimeout</c>); hooks that
/// arrive while it is closed wait, and when it opens they go to the instance then in place: the new one, or the old
/// one when the reload failed. Through an open gate a hook costs an interlocked increment and decrement; plugins that
/// are not watched have no gate.
/// </summary>
internal sealed class HookGate
{
    // The async flow that swaps the plugin: what the old instance's done and the new one's configure and running call
    // through the chain passes the closed gate instead of waiting for the swap that is waiting for it.
    private static readonly AsyncLocal<object?> Swapping = new();

    private int _inFlight;
    private TaskCompletionSource? _closed;
    private TaskCompletionSource? _drained;
    private object? _swap;

    /// <summary>How many hooks are running through the gate.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Whether a swap holds the gate closed.</summary>
    public bool IsClosed => Volatile.Read(ref _closed) is not null;

    /// <summary>Enters if the gate is open (or the caller is the swap); otherwise false, and the caller waits in <see cref="EnterAsync"/>.</summary>
    public bool TryEnter()
    {
        // Increment first, then look at the gate; the closer sets the gate first, then counts: one of the two sees the other.
        Interlocked.Increment(ref _inFlight);
        if (Volatile.Read(ref _closed) is null || (Swapping.Value is { } swap && ReferenceEquals(swap, Volatile.Read(ref _swap))))
        {
            return true;
        }

        Exit();
        return false;
    }

    /// <summary>Waits until the gate is open, then enters.</summary>
    public async ValueTask EnterAsync(CancellationToken cancellationToken)
    {
        while (!TryEnter())
        {
            if (Volatile.Read(ref _closed) is { } closed)
            {
                await closed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Leaves after a hook; the last one out of a closing gate lets the swap go on.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _closed) is not null)
        {
            Volatile.Read(ref _drained)?.TrySetResult();
        }
    }

    /// <summary>
    /// Closes the gate and waits for the hooks running through it to finish: true once none runs, false when some still
    /// run after <paramref name="timeout"/>. Either way the gate stays closed until <see cref="Open"/>, and the calling
    /// async flow passes it (this method is not async so that the mark stays with the caller).
    /// </summary>
    public Task<bool> CloseAsync(TimeSpan timeout)
    {
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var swap = new object();
        Volatile.Write(ref _drained, drained);
        Volatile.Write(ref _swap, swap);
        Interlocked.Exchange(ref _closed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Swapping.Value = swap;
        if (Volatile.Read(ref _inFlight) == 0)
        {
            drained.TrySetResult();
        }

        return DrainedWithinAsync(drained.Task, timeout);
    }

    /// <summary>Opens the gate: the hooks that waited go on, to the instance now in place.</summary>
    public void Open()
    {
        Volatile.Write(ref _swap, null);
        Interlocked.Exchange(ref _closed, null)?.TrySetResult();
    }

    private static async Task<bool> DrainedWithinAsync(Task drained, TimeSpan timeout)
    {
        try
        {
            await drained.WaitAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
