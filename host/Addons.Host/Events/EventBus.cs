using System.Collections.Concurrent;
using System.Runtime.Loader;
using Addons.Abstractions.Events;
using Addons.Host.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Events;

/// <summary>
/// The one event bus of the host. Subscribers are kept per exact message type in copy-on-write arrays, so publishing
/// takes no lock. Each addon reaches it through an <see cref="AddonEventBus"/> that remembers its subscriptions. Its
/// queues' depths and drops are in the host's metrics.
/// </summary>
internal sealed partial class EventBus
{
    private readonly ConcurrentDictionary<Type, Subscribers> _byType = new();

    // Two plugins that each load their own copy of an assembly get two types of one name: a message of one never
    // reaches the subscribers of the other. The subscribed types by full name find such twins, once per published type
    // and change of the subscriptions.
    private readonly ConcurrentDictionary<string, Type[]> _subscribedByName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, int> _twinsCheckedAt = new();
    private readonly ConcurrentDictionary<(Type Published, Type Subscribed), byte> _twinsReported = new();
    private int _subscriptionsVersion;

    public EventBus(ILogger<EventBus> logger, HostMetrics metrics)
    {
        Logger = logger;
        Metrics = metrics;
        metrics.ObserveBusQueues(Queues);
    }

    internal ILogger Logger { get; }

    internal HostMetrics Metrics { get; }

    /// <summary>
    /// Sees every message published, before its subscribers do: how Addons.Testing's harness captures what addons
    /// publish whatever the type. The host sets none.
    /// </summary>
    internal Action<object>? Observer { get; set; }

    public void Publish<TMessage>(TMessage message, string? publisher = null)
        where TMessage : notnull
    {
        Observer?.Invoke(message);
        CheckTwins(typeof(TMessage), publisher);
        if (!_byType.TryGetValue(typeof(TMessage), out var subscribers))
        {
            return;
        }

        foreach (var subscription in subscribers.Current)
        {
            ((IDelivery<TMessage>)subscription).Deliver(message);
        }
    }

    public async ValueTask PublishAsync<TMessage>(TMessage message, CancellationToken cancellationToken, string? publisher = null)
        where TMessage : notnull
    {
        Observer?.Invoke(message);
        CheckTwins(typeof(TMessage), publisher);
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

    /// <summary>The queue of every asynchronous subscription, read when the metrics are collected.</summary>
    private IEnumerable<(string Subscriber, string MessageType, int Depth)> Queues() =>
        _byType.Values.SelectMany(s => s.Current).Where(s => s.HasQueue).Select(s => (s.Owner, s.MessageType.Name, s.QueueDepth));

    /// <summary>How many subscriptions exist for <paramref name="messageType"/>.</summary>
    public int CountSubscribers(Type messageType) => _byType.TryGetValue(messageType, out var s) ? s.Current.Length : 0;

    /// <summary>
    /// Forgets every type of an unloaded plugin's <paramref name="context"/>: the bus keeps subscriber lists and twin
    /// checks by type, which would otherwise keep the context, and every assembly in it, loaded. The plugin's own
    /// subscriptions must be disposed first.
    /// </summary>
    public void Forget(AssemblyLoadContext context)
    {
        foreach (var type in _byType.Keys.Where(t => IsFrom(t, context)))
        {
            _byType.TryRemove(type, out _);
        }

        foreach (var (name, types) in _subscribedByName)
        {
            if (types.Any(t => IsFrom(t, context)))
            {
                Type[] kept = [.. types.Where(t => !IsFrom(t, context))];
                if (kept.Length == 0)
                {
                    _subscribedByName.TryRemove(KeyValuePair.Create(name, types));
                }
                else
                {
                    _subscribedByName.TryUpdate(name, kept, types);
                }
            }
        }

        foreach (var type in _twinsCheckedAt.Keys.Where(t => IsFrom(t, context)))
        {
            _twinsCheckedAt.TryRemove(type, out _);
        }

        foreach (var pair in _twinsReported.Keys.Where(p => IsFrom(p.Published, context) || IsFrom(p.Subscribed, context)))
        {
            _twinsReported.TryRemove(pair, out _);
        }
    }

    /// <summary>Whether <paramref name="type"/> is, or is made of, a type loaded into <paramref name="context"/> (List&lt;TheirType&gt; is).</summary>
    private static bool IsFrom(Type type, AssemblyLoadContext context) =>
        AssemblyLoadContext.GetLoadContext(type.Assembly) == context
        || (type.HasElementType && IsFrom(type.GetElementType()!, context))
        || (type.IsConstructedGenericType && type.GenericTypeArguments.Any(a => IsFrom(a, context)));

    internal void Remove(Subscription subscription)
    {
        if (_byType.TryGetValue(subscription.MessageType, out var subscribers))
        {
            subscribers.Remove(subscription);
        }
    }

    private Subscription Add(Subscription subscription)
    {
        var type = subscription.MessageType;
        _byType.GetOrAdd(type, static _ => new Subscribers()).Add(subscription);
        _subscribedByName.AddOrUpdate(type.FullName ?? type.Name, [type], (_, types) => types.Contains(type) ? types : [.. types, type]);
        Interlocked.Increment(ref _subscriptionsVersion);
        return subscription;
    }

    /// <summary>
    /// Says once, by name, when a published type has a namesake from another copy of its assembly with subscribers:
    /// they cannot receive it.
    /// </summary>
    private void CheckTwins(Type published, string? publisher)
    {
        var version = Volatile.Read(ref _subscriptionsVersion);
        if (_twinsCheckedAt.TryGetValue(published, out var checkedAt) && checkedAt == version)
        {
            return;
        }

        _twinsCheckedAt[published] = version;
        if (!_subscribedByName.TryGetValue(published.FullName ?? published.Name, out var namesakes))
        {
            return;
        }

        foreach (var subscribed in namesakes)
        {
            if (subscribed == published || !_byType.TryGetValue(subscribed, out var subscribers) || subscribers.Current.Length == 0
                || !_twinsReported.TryAdd((published, subscribed), 0))
            {
                continue;
            }

            var owners = string.Join(", ", subscribers.Current.Select(s => $"'{s.Owner}'").Distinct());
            TwinTypeNotDelivered(Logger, publisher ?? "host", published.FullName ?? published.Name, Where(published), owners, Where(subscribed), published.Assembly.GetName().Name ?? "");
        }
    }

    private static string Where(Type type) => type.Assembly.Location is { Length: > 0 } location ? location : type.Assembly.FullName ?? type.Assembly.ToString();

    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "Addon '{Addon}': its subscriber to {MessageType} threw {ExceptionType}: {Reason}")]
    internal static partial void SubscriberFailed(ILogger logger, string addon, string messageType, string exceptionType, string reason, Exception exception);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Addon '{Addon}': its queue for {MessageType} is full ({Capacity}); {Dropped} message(s) dropped so far by policy {Policy}")]
    internal static partial void MessagesDropped(ILogger logger, string addon, string messageType, int capacity, long dropped, BackpressurePolicy policy);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Addon '{Publisher}' published {MessageType} from {PublishedFrom}, which does not reach addon(s) {Subscribers}: they subscribe to {MessageType} from {SubscribedFrom}, another copy of {AssemblyName}, and the types of two copies are different types. List \"Shares\": [\"{AssemblyName}\"] in the plugins.json entries of the plugins that exchange it, so that one copy is loaded for all of them.")]
    private static partial void TwinTypeNotDelivered(ILogger logger, string publisher, string messageType, string publishedFrom, string subscribers, string subscribedFrom, string assemblyName);

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
