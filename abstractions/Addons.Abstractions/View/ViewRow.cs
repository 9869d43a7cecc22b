using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>
/// One row of a <see cref="ViewPage"/>: what a flow list shows of a flow without loading it (a cold flow stays in
/// its archive), and its position in the view.
/// </summary>
public sealed record ViewRow
{
    /// <summary>Its position in the view as displayed.</summary>
    public required int Index { get; init; }

    /// <summary>The flow's summary: id, type, method, URL, host, status, size, marker, creation time.</summary>
    public required FlowSummary Summary { get; init; }

    /// <summary>From the request's start to the response's end (HTTP), or to the flow's end; null while unknown and for cold flows.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Whether the flow is held by an intercept.</summary>
    public bool Intercepted { get; init; }

    /// <summary>Whether the flow is still in progress.</summary>
    public bool Live { get; init; }

    /// <summary>Whether the flow is cold: kept in an archive, only its summary in memory.</summary>
    public bool Cold { get; init; }
}
