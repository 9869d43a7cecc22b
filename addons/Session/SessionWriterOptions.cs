namespace Addons.Session;

/// <summary>How the <see cref="SessionWriter"/> batches flows.</summary>
internal sealed record SessionWriterOptions
{
    /// <summary>The default for <see cref="BatchSize"/> and the <c>session_batch_size</c> option.</summary>
    public const int DefaultBatchSize = 10_000;

    /// <summary>
    /// The most flows one transaction writes. Each commit rewrites the index pages the batch touched, so larger batches
    /// write less per flow (bench/session: the store ~8% faster at 10,000 than at 1,000); at 50,000 flows/s the flush
    /// period closes batches of about this size anyway.
    /// </summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>The longest a queued flow waits for its batch to fill: about the most a crash can lose.</summary>
    public TimeSpan FlushPeriod { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many flows may wait; a producer finding the queue full waits for room.</summary>
    public int QueueCapacity { get; init; } = 100_000;
}
