using System.Globalization;
using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;
using Addons.Abstractions.View;

[assembly: AddonEntryPoint(typeof(FlowLog.FlowLogAddon))]

namespace FlowLog;

/// <summary>
/// Follows the View and the Session on the bus instead of polling them: the last flows the View showed, with their
/// status and whether the Session has written them, for the command <c>flowlog.recent</c>.
/// </summary>
public sealed class FlowLogAddon : Addon
{
    private const int Capacity = 100;
    private readonly Lock _lock = new();
    private readonly LinkedList<Entry> _entries = new();
    private readonly Dictionary<Guid, LinkedListNode<Entry>> _byId = [];

    public override void Load(IAddonLoader loader)
    {
        // Synchronous subscribers run on the publisher's thread: keep them short, and guard the shared state.
        loader.Bus.Subscribe<ViewFlowAdded>(added => Seen(added.Flow));
        loader.Bus.Subscribe<ViewFlowUpdated>(updated => Seen(updated.Flow));
        loader.Bus.Subscribe<FlowsPersisted>(persisted => Persisted(persisted.FlowIds));
        loader.AddCommand("flowlog.recent", Recent, "The last COUNT flows the View showed (10 unless given): status, URL, and whether the Session wrote them.");
    }

    private void Seen(Flow flow)
    {
        if (flow is not HttpFlow http)
        {
            return;
        }

        lock (_lock)
        {
            if (!_byId.TryGetValue(http.Id, out var node))
            {
                node = _entries.AddLast(new Entry(http.Id, http.Request.Url));
                _byId.Add(http.Id, node);
                if (_entries.Count > Capacity)
                {
                    _byId.Remove(_entries.First!.Value.Id);
                    _entries.RemoveFirst();
                }
            }

            node.Value.Outcome = http.Error?.Message ?? http.Response?.StatusCode.ToString(CultureInfo.InvariantCulture) ?? "...";
        }
    }

    private void Persisted(IReadOnlyList<Guid> ids)
    {
        lock (_lock)
        {
            foreach (var id in ids)
            {
                if (_byId.TryGetValue(id, out var node))
                {
                    node.Value.Persisted = true;
                }
            }
        }
    }

    private string Recent(int count = 10)
    {
        lock (_lock)
        {
            return string.Join('\n', _entries.Skip(Math.Max(0, _entries.Count - count))
                .Select(e => $"{e.Outcome} {e.Url} {(e.Persisted ? "persisted" : "not persisted")}"));
        }
    }

    private sealed class Entry(Guid id, string url)
    {
        public Guid Id { get; } = id;

        public string Url { get; } = url;

        public string Outcome { get; set; } = "...";

        public bool Persisted { get; set; }
    }
}
