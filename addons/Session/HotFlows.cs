using Addons.Abstractions.Flows;

namespace Addons.Session;

/// <summary>
/// The flows written to the session file that may still be in memory, oldest first, and which of them to let go of
/// when there are more than the cap (<c>session_hot_flows</c>). Used on the writer's thread only.
/// </summary>
internal sealed class HotFlows(int capacity)
{
    // Each write of a flow queues its summary with a version; an older entry of a flow written again is stale.
    private readonly Queue<(FlowSummary Summary, long Version)> _order = new();
    private readonly Dictionary<Guid, long> _versions = [];
    private long _version;

    /// <summary>The most flows kept in memory; 0 keeps every flow.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>How many flows were let go of (archived) so far, restored cold ones included.</summary>
    public long Archived { get; set; }

    /// <summary>A flow was written as <paramref name="summary"/> describes it.</summary>
    public void Written(FlowSummary summary)
    {
        if (Capacity == 0)
        {
            return;
        }

        _versions[summary.Id] = ++_version;
        _order.Enqueue((summary, _version));
    }

    /// <summary>
    /// The oldest flows above the cap, as last written: those the memory may drop. A flow waiting to be written again
    /// (<paramref name="isWaiting"/>) is not among them: its newer state is not in the file yet, and it comes back
    /// here when it is written.
    /// </summary>
    public List<FlowSummary> TakeOverflow(Func<Guid, bool> isWaiting)
    {
        var overflow = new List<FlowSummary>();
        while (Capacity > 0 && _versions.Count > Capacity && _order.TryDequeue(out var entry))
        {
            if (!_versions.TryGetValue(entry.Summary.Id, out var version) || version != entry.Version)
            {
                continue;
            }

            _versions.Remove(entry.Summary.Id);
            if (!isWaiting(entry.Summary.Id))
            {
                overflow.Add(entry.Summary);
            }
        }

        Archived += overflow.Count;
        return overflow;
    }
}
