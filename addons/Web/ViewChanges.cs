namespace Addons.Web;

/// <summary>
/// What changed in the View since a reader last looked: a version counter every View message bumps, and the ids of
/// changed flows handed to the WebSocket connections that show one. Both cost the View's publishing thread an
/// increment and a few comparisons, whatever the capture rate; the connections read them on their own timers.
/// </summary>
internal sealed class ViewChanges
{
    private readonly Lock _gate = new();
    private Action<Guid?>[] _watchers = [];
    private long _version;

    /// <summary>Grows with every change to the View (flows added, updated, removed; filter, order, focus).</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>A change to the View; <paramref name="flow"/> is the flow it touched, or null when it may touch any.</summary>
    public void ViewChanged(Guid? flow)
    {
        Interlocked.Increment(ref _version);
        foreach (var watcher in Volatile.Read(ref _watchers))
        {
            watcher(flow);
        }
    }

    /// <summary>Calls <paramref name="watcher"/> with each changed flow's id (null: any) until the result is disposed.</summary>
    public IDisposable Watch(Action<Guid?> watcher)
    {
        lock (_gate)
        {
            _watchers = [.. _watchers, watcher];
        }

        return new Unwatch(this, watcher);
    }

    private sealed class Unwatch(ViewChanges changes, Action<Guid?> watcher) : IDisposable
    {
        public void Dispose()
        {
            lock (changes._gate)
            {
                changes._watchers = [.. changes._watchers.Where(w => w != watcher)];
            }
        }
    }
}
