namespace Addons.Abstractions.Events;

/// <summary>What an asynchronous subscription does when its queue is full.</summary>
public enum BackpressurePolicy
{
    /// <summary>The publisher waits for room (the default): nothing is lost, a slow subscriber slows its publishers.</summary>
    Wait,

    /// <summary>The oldest queued message is discarded, counted in <see cref="IEventSubscription.Dropped"/> and logged.</summary>
    DropOldest,

    /// <summary>The new message is discarded, counted in <see cref="IEventSubscription.Dropped"/> and logged.</summary>
    DropNewest,
}
