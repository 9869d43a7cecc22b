namespace FleetSync.Messages;

/// <summary>A flow was marked (or unmarked: an empty marker) on some host.</summary>
public sealed record FlowMarkChanged(Guid FlowId, string Marker);
