using Addons.Abstractions.Events;

namespace Addons.Host.Events;

/// <summary>What both kinds of subscription share: the owner, the message type, counters and removal from the bus.</summary>
internal abstract class Subscription(EventBus bus, Func<string> owner, Type messageType) : IEventSubscription
{
    private int _disposed;
    private long _delivered;

    /// <summary>The subscribing addon's name, read when it is needed (an addon is named only after it is constructed).</summary>
    public string Owner => owner();

    public Type MessageType { get; } = messageType;

    /// <summary>Whether messages wait in a queue of its own (asynchronous), whose depth <see cref="QueueDepth"/> is.</summary>
    public virtual bool HasQueue => false;

    public virtual int QueueDepth => 0;

    public long Delivered => Interlocked.Read(ref _delivered);

    public virtual long Dropped => 0;

    protected EventBus Bus { get; } = bus;

    protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Bus.Remove(this);
            OnDisposed();
        }
    }

    protected virtual void OnDisposed()
    {
    }

    protected void CountDelivery() => Interlocked.Increment(ref _delivered);

    protected void ReportFailure(Exception exception) =>
        EventBus.SubscriberFailed(Bus.Logger, Owner, MessageType.Name, exception.GetType().Name, exception.Message, exception);
}
