namespace Addons.Abstractions.Events;

/// <summary>
/// Typed publish/subscribe between addons, across plugin load contexts. A message is delivered to the subscribers of
/// its exact type; message types live in this contract (or in an assembly every party shares), never in one plugin only.
/// </summary>
/// <remarks>
/// Synchronous subscribers run on the publisher's thread, one after another, before <c>Publish</c> returns.
/// Asynchronous subscribers each have their own bounded queue and a consumer task; what happens when the queue is
/// full is the subscription's <see cref="BackpressurePolicy"/>. A subscriber's exception is logged with its addon's
/// name and never reaches the publisher or the other subscribers.
/// </remarks>
public interface IEventBus
{
    /// <summary>
    /// Delivers <paramref name="message"/> to the synchronous subscribers and queues it for the asynchronous ones.
    /// With <see cref="BackpressurePolicy.Wait"/> and a full queue, this blocks the calling thread; prefer
    /// <see cref="PublishAsync{TMessage}"/> from asynchronous code.
    /// </summary>
    void Publish<TMessage>(TMessage message)
        where TMessage : notnull;

    /// <summary>As <see cref="Publish{TMessage}"/>, but waits asynchronously for room in full queues.</summary>
    ValueTask PublishAsync<TMessage>(TMessage message, CancellationToken cancellationToken = default)
        where TMessage : notnull;

    /// <summary>Subscribes a handler that runs on the publisher's thread. Dispose the result to unsubscribe.</summary>
    IEventSubscription Subscribe<TMessage>(Action<TMessage> handler)
        where TMessage : notnull;

    /// <summary>Subscribes a handler that runs on its own consumer, fed by a bounded queue. Dispose the result to unsubscribe.</summary>
    IEventSubscription Subscribe<TMessage>(Func<TMessage, CancellationToken, ValueTask> handler, AsyncSubscriptionOptions? options = null)
        where TMessage : notnull;
}
