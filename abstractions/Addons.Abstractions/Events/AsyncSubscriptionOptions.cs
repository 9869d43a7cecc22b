namespace Addons.Abstractions.Events;

/// <summary>How an asynchronous subscription queues messages.</summary>
public sealed record AsyncSubscriptionOptions
{
    /// <summary>The most messages waiting at once; at least 1. Default 1024.</summary>
    public int Capacity { get; init; } = 1024;

    /// <summary>What happens when the queue is full. Default <see cref="BackpressurePolicy.Wait"/>.</summary>
    public BackpressurePolicy Policy { get; init; } = BackpressurePolicy.Wait;
}
