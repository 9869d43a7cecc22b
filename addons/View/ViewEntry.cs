using Addons.Abstractions.Flows;

namespace Addons.View;

/// <summary>A flow in the store, with its insertion number (the tie-breaker), cached order key and settings.</summary>
internal sealed class ViewEntry(Flow flow, long sequence, SortKey key)
{
    public Flow Flow { get; } = flow;

    public long Sequence { get; } = sequence;

    /// <summary>The order key as of the last time the view placed the flow; the sorted view depends on it staying put.</summary>
    public SortKey Key { get; set; } = key;

    public bool InView { get; set; }

    public Dictionary<string, string>? Settings { get; set; }
}
