using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>Published by the View addon: a flow left the store (removed by a command), so whatever is kept about it can go.</summary>
public sealed record StoreFlowRemoved
{
    /// <summary>The flow.</summary>
    public required Flow Flow { get; init; }
}
