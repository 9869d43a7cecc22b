using Addons.Abstractions.Events;

namespace Addons.Host.Events;

/// <summary>One addon's view of the bus: it names the addon in logs and remembers its subscriptions so that unloading the addon removes them.</summary>
internal sealed class AddonEventBus(EventBus bus, string owner) : IEventBus
{
    /// <summary>The addon's name; the plugin id until the addon has been constructed.</summary>
    public string Owner { get; set; } = owner;

    private readonly Lock _gate = new();
    private readonly List<IEventSubscription> _subscriptions = [];

    public void Publish<TMessage>(TMessage message)
        where TMessage : notnull => bus.Publish(message, Owner);

    public ValueTask PublishAsync<TMessage>(TMessage message, CancellationToken cancellationToken = default)
        where TMessage : notnull => bus.PublishAsync(message, cancellationToken, Owner);

    public IEventSubscription Subscribe<TMessage>(Action<TMessage> handler)
        where TMessage : notnull => Track(bus.Subscribe(() => Owner, handler));

    public IEventSubscription Subscribe<TMessage>(Func<TMessage, CancellationToken, ValueTask> handler, AsyncSubscriptionOptions? options = null)
        where TMessage : notnull => Track(bus.Subscribe(() => Owner, handler, options));

    /// <summary>Disposes every subscription the addon made.</summary>
    public void DisposeSubscriptions()
    {
        IEventSubscription[] subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions];
            _subscriptions.Clear();
        }

        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }
    }

    private IEventSubscription Track(IEventSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Add(subscription);
        }

        return subscription;
    }
}
