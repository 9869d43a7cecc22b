namespace Addons.Abstractions.Storage;

/// <summary>
/// Published by a storage addon (the Session) after each batch it committed: which flows are now durable, and how
/// the writer is doing. Throughput and latency tools (the StreamTester) follow it instead of polling the store.
/// </summary>
/// <param name="FlowIds">The flows the batch wrote, new or replaced.</param>
/// <param name="CommittedAt">When the batch's transaction committed.</param>
/// <param name="WriteDuration">How long writing and committing the batch took.</param>
/// <param name="QueueDepth">How many flows were still waiting to be written after this batch.</param>
public sealed record FlowsPersisted(IReadOnlyList<Guid> FlowIds, DateTimeOffset CommittedAt, TimeSpan WriteDuration, int QueueDepth);
