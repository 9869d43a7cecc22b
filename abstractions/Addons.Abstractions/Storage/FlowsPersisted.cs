namespace Addons.Abstractions.Storage;

/// <summary>
/// Published by a storage addon (the Session) after each batch it committed: which flows are now durable, and how
/// the writer is doing. Throughput and latency tools (the StreamTester) follow it instead of polling the store.
/// </summary>
public sealed record FlowsPersisted
{
    /// <summary>The flows the batch wrote, new or replaced.</summary>
    public required IReadOnlyList<Guid> FlowIds { get; init; }

    /// <summary>When the batch's transaction committed.</summary>
    public required DateTimeOffset CommittedAt { get; init; }

    /// <summary>How long writing and committing the batch took.</summary>
    public required TimeSpan WriteDuration { get; init; }

    /// <summary>How many flows were still waiting to be written after this batch.</summary>
    public required int QueueDepth { get; init; }
}
