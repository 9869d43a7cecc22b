using Addons.Abstractions.Flows;

namespace Addons.Session.Fleet;

/// <summary>What a fleet query selected: the flows' summaries in creation order, how many came from each host, and what reading them cost.</summary>
internal sealed class FleetSelection
{
    public List<FlowSummary> Flows { get; } = [];

    /// <summary>Flows selected per host id, in the order hosts first appear.</summary>
    public Dictionary<string, int> Hosts { get; } = new(StringComparer.Ordinal);

    /// <summary>Rows SQL returned (after the pushed-down conditions).</summary>
    public long Read { get; set; }

    /// <summary>Rows whose records were decoded because their columns could not decide the filter.</summary>
    public long Decoded { get; set; }

    /// <summary>Whether more flows matched than the limit let through.</summary>
    public bool Truncated { get; set; }

    public void Add(FlowSummary summary, string hostId)
    {
        Flows.Add(summary);
        Hosts[hostId] = Hosts.GetValueOrDefault(hostId) + 1;
    }
}
