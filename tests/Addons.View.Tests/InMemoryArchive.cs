using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Storage;

namespace Addons.View.Tests;

/// <summary>
/// An <see cref="IFlowArchive"/> that keeps copies of the flows given to it, as a storage addon keeps them in its
/// file, and records what it was asked.
/// </summary>
internal sealed class InMemoryArchive : IFlowArchive
{
    private readonly Dictionary<Guid, Flow> _flows = [];

    public string Name => "the test archive";

    public bool IsOpen { get; set; } = true;

    /// <summary>How many flows were loaded one by one.</summary>
    public int Loads { get; private set; }

    /// <summary>The ids each <see cref="Match"/> call was asked about.</summary>
    public List<IReadOnlyCollection<Guid>> Matches { get; } = [];

    /// <summary>Stores copies of the flows as they are now and returns their summaries, oldest first.</summary>
    public IReadOnlyList<FlowSummary> Store(IEnumerable<Flow> flows)
    {
        var summaries = new List<FlowSummary>();
        foreach (var flow in flows)
        {
            var copy = flow.Copy();
            copy.Id = flow.Id;
            _flows[flow.Id] = copy;
            summaries.Add(FlowSummary.Of(copy));
        }

        return summaries;
    }

    public Flow? Load(Guid id)
    {
        if (!IsOpen)
        {
            throw new FlowArchiveException($"{Name} is closed, so flow {id} cannot be loaded.");
        }

        Loads++;
        if (!_flows.TryGetValue(id, out var stored))
        {
            return null;
        }

        var copy = stored.Copy();
        copy.Id = id;
        return copy;
    }

    public IReadOnlySet<Guid> Match(IFlowFilter filter, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        Matches.Add([.. ids]);
        return ids.Where(id => _flows.TryGetValue(id, out var flow) && filter.Matches(flow)).ToHashSet();
    }
}
