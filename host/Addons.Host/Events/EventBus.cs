using System.Collections.Concurrent;
using Addons.Abstractions.Events;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Events;

/// <summary>
/// The one event bus of the host. Subscribers are kept per exact message type in copy-on-write arrays, so publishing
/// takes no lock. Each addon reaches it through an <see cref="AddonEventBus"/> that remembers its subscriptions.
/// </summary>
internal sealed partial class EventBus(ILogger<EventBus> logger)
{
    private readonly ConcurrentDictionary<Type, Subscribers> _byType = new();

    internal ILogger Logger { get; } = logger;

    public void Publish<TMessage>(TMessage message)
        where TMessage : notnull
    {
        if (!_byType.TryGetValue(typeof(TMessage), out var subscribers))
        {
            return;
        }

        foreach (var subscription in subscribers.Current)
        {
            ((IDelivery<TMessage>)subscription).Deliver(message);
        }
    }

    public async ValueTask PublishAsync<TMessage>(TMessage message, CancellationToken cancellationToken)
        where TMessage : notnull
    {
        if (!_byType.TryGetValue(typeof(TMessage), out var subscribers))
        {
            return;
        }

        foreach (var subscription in subscribers.Current)
        {
            await ((IDelivery<TMessage>)subscription).DeliverAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    public IEventSubscription Subscribe<TMessage>(Func<string> owner, Action<TMessage> handler)
        where TMessage : notnull
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new SyncSubscription<TMessage>(this, owner, handler));
    }

    public IEventSubscription Subscribe<TMessage>(Func<string> owner, Func<TMessage, CancellationToken, ValueTask> handler, AsyncSubscriptionOptions? options = null)
        where TMessage : notnull
    {
        ArgumentNullException.ThrowIfNull(handler);
        options ??= new AsyncSubscriptionOptions();
        if (options.Capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Capacity, $"Addon '{owner()}': an asynchronous subscription to {typeof(TMessage).Name} needs a capacity of at least 1.");
        }

        return Add(new AsyncSubscription<TMessage>(this, owner, handler, options));
    }

    /// <summary>How many subscriptions exist for <paramref name="messageType"/>.</summary>
    public int CountSubscribers(Type messageType) => _byType.TryGetValue(messageType, out var s) ? s.Current.Length : 0;

    internal void Remove(Subscription subscription)
    {
        if (_byType.TryGetValue(subscription.MessageType, out var subscribers))
        {
            subscribers.Remove(subscription);
        }
    }

    private Subscription Add(Subscription subscription)
    {
        _byType.GetOrAdd(subscription.MessageType, static _ => new Subscribers()).Add(subscription);
        return subscription;
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "Addon '{Addon}': its subscriber to {MessageType} threw {ExceptionType}: {Reason}")]
    internal static partial void SubscriberFailed(ILogger logger, string addon, string messageType, string exceptionType, string reason, Exception exception);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Addon '{Addon}': its queue for {MessageType} is full ({Capacity}); {Dropped} message(s) dropped so far by policy {Policy}")]
    internal static partial void MessagesDropped(ILogger logger, string addon, string messageType, int capacity, long dropped, BackpressurePolicy policy);

    /// <summary>The subscriptions of one message type; writers swap the array under a lock, readers never lock.</summary>
    private sealed class Subscribers
    {
        private readonly Lock _gate = new();

        public Subscription[] Current { get; private set; } = [];

        public void Add(Subscription subscription)
        {
            lock (_gate)
            {
                Current = [.. Current, subscription];
            }
        }

        public void Remove(Subscription subscription)
        {
            lock (_gate)
            {
                Current = [.. Current.Where(s => !ReferenceEquals(s, subscription))];
            }
        }
    }
}
