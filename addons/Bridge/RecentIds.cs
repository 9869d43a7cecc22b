namespace Addons.Bridge;

/// <summary>The last <c>capacity</c> message ids seen, to drop a message JetStream delivers again. One reader thread.</summary>
internal sealed class RecentIds(int capacity)
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Whether <paramref name="id"/> is new (and remembers it).</summary>
    public bool Add(string id)
    {
        if (!_seen.Add(id))
        {
            return false;
        }

        _order.Enqueue(id);
        if (_order.Count > capacity)
        {
            _seen.Remove(_order.Dequeue());
        }

        return true;
    }
}
