using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary><c>~replay</c> (any replay, <paramref name="kind"/> <c>null</c>), <c>~replayq</c>, <c>~replays</c>.</summary>
internal sealed class ReplayNode(ReplayKind? kind) : FilterNode
{
    public override bool Matches(Flow flow) =>
        kind is { } wanted ? flow.IsReplay == wanted : flow.IsReplay != ReplayKind.None;

    public override string Describe() => kind switch
    {
        ReplayKind.Request => "request is replayed",
        ReplayKind.Response => "response is replayed",
        _ => "is replayed",
    };
}
