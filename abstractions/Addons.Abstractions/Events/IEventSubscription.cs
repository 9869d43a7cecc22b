namespace Addons.Abstractions.Events;

/// <summary>A subscription to one message type; disposing it stops delivery.</summary>
public interface IEventSubscription : IDisposable
{
    /// <summary>The message type subscribed to.</summary>
    Type MessageType { get; }

    /// <summary>Messages waiting in the queue of an asynchronous subscription (0 for a synchronous one).</summary>
    int QueueDepth { get; }

    /// <summary>Messages delivered to the handler so far (including those whose handler threw).</summary>
    long Delivered { get; }

    /// <summary>Messages discarded by <see cref="BackpressurePolicy.DropOldest"/> or <see cref="BackpressurePolicy.DropNewest"/>.</summary>
    long Dropped { get; }
}
