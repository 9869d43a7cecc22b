using System.Reflection;
using System.Text.Json;
using Addons.Abstractions.Events;

namespace Addons.Bridge;

/// <summary>
/// One bus message type the bridge forwards: its subject, JSON in and out, and the bus's generic Subscribe and Publish
/// bound to it once (the type is known only by name at run time).
/// </summary>
internal sealed class BridgedType
{
    private static readonly MethodInfo SubscribeMethod = typeof(BridgedType).GetMethod(nameof(SubscribeTo), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo PublishMethod = typeof(BridgedType).GetMethod(nameof(PublisherFor), BindingFlags.NonPublic | BindingFlags.Static)!;

    private readonly JsonSerializerOptions _json;

    public BridgedType(Type type, string subjectPrefix, JsonSerializerOptions json)
    {
        Type = type;
        _json = json;
        Name = type.FullName!;
        Subject = $"{subjectPrefix}.{Name}";
    }

    public Type Type { get; }

    /// <summary>The type's full name, as bridge_types lists it and the Addons-Type header carries it.</summary>
    public string Name { get; }

    /// <summary>The NATS subject its messages go to: the prefix, then the type's full name.</summary>
    public string Subject { get; }

    private long _sent;
    private long _received;
    private long _lost;

    /// <summary>Messages of this type sent to NATS.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Messages of this type from other hosts published on this host's bus.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Messages of this type that could not be sent or delivered (each failure logged).</summary>
    public long Lost => Interlocked.Read(ref _lost);

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void CountReceived() => Interlocked.Increment(ref _received);

    public void CountLost() => Interlocked.Increment(ref _lost);

    /// <summary>Subscribes <paramref name="handler"/> to this type on <paramref name="bus"/>, with its own bounded queue.</summary>
    public IEventSubscription Subscribe(IEventBus bus, Func<object, CancellationToken, ValueTask> handler, AsyncSubscriptionOptions options) =>
        (IEventSubscription)SubscribeMethod.MakeGenericMethod(Type).Invoke(null, [bus, handler, options])!;

    /// <summary>Publishes <paramref name="message"/> (of this type) on <paramref name="bus"/>.</summary>
    public Action<object> Publisher(IEventBus bus) => (Action<object>)PublishMethod.MakeGenericMethod(Type).Invoke(null, [bus])!;

    public byte[] Serialize(object message) => JsonSerializer.SerializeToUtf8Bytes(message, Type, _json);

    /// <exception cref="JsonException">The payload is not this type's JSON.</exception>
    public object Deserialize(ReadOnlySpan<byte> payload) =>
        JsonSerializer.Deserialize(payload, Type, _json) ?? throw new JsonException("the payload is JSON null");

    private static IEventSubscription SubscribeTo<T>(IEventBus bus, Func<object, CancellationToken, ValueTask> handler, AsyncSubscriptionOptions options)
        where T : notnull =>
        bus.Subscribe<T>((message, cancellationToken) => handler(message, cancellationToken), options);

    private static Action<object> PublisherFor<T>(IEventBus bus)
        where T : notnull =>
        message => bus.Publish((T)message);
}
