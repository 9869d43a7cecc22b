using Addons.Abstractions.Flows;

namespace Addons.Abstractions.View;

/// <summary>Published by the View addon: a flow left the store (removed by a command), so whatever is kept about it can go.</summary>
/// <param name="Flow">The flow.</param>
public sealed record StoreFlowRemoved(Flow Flow);
