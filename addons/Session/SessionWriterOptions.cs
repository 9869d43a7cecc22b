namespace Addons.Session;

/// <summary>How the <see cref="SessionWriter"/> batches flows.</summary>
internal sealed record SessionWriterOptions
{
    /// <summary>The default for <see cref="BatchSize"/> and the <c>session_batch_size</c> option.</summary>
    public const int DefaultBatchSize = 2_000;

    /// <summary>The default for <see cref="QueueCapacity"/> and the <c>session_queue_size</c> option.</summary>
    public const int DefaultQueueCapacity = 8_000;

    /// <summary>
    /// The most flows one transaction writes. The store alone writes 1,000 to 20,000 flows a transaction at about the
    /// same rate; what the size changes is how much the pipeline holds: at full speed the queue stays full, and every
    /// queued flow is a ~2 KB record encoded on the hook's thread and read back on the writer's. At 2,000 a batch,
    /// with the queue at 8,000, those records stay in the CPU's caches; at 10,000 and 20,000 they did not, and the
    /// pipeline ran about 10% slower (bench/session, (q) cases).
    /// </summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The longest a queued flow waits for its batch to fill: about the most a crash can lose.</summary>
    public TimeSpan FlushPeriod { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How many flows may wait; a producer finding the queue full waits for room. Four batches: a burst of that many
    /// flows (about 18 MB of ~2 KB records, in 4 KB buffers) passes without making the proxy wait, and more would only
    /// make the writer read its records from memory rather than from the caches (see <see cref="BatchSize"/>).
    /// </summary>
    public int QueueCapacity { get; init; } = DefaultQueueCapacity;
}
