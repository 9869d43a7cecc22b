namespace Addons.Session;

/// <summary>How the <see cref="SessionWriter"/> batches flows.</summary>
internal sealed record SessionWriterOptions
{
    /// <summary>The most flows one transaction writes.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>The longest a queued flow waits for its batch to fill: about the most a crash can lose.</summary>
    public TimeSpan FlushPeriod { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many flows may wait; a producer finding the queue full waits for room.</summary>
    public int QueueCapacity { get; init; } = 100_000;
}
