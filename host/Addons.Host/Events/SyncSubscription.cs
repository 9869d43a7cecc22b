namespace Addons.Host.Events;

/// <summary>A subscriber that runs on the publisher's thread; its exceptions are logged and go no further.</summary>
internal sealed class SyncSubscription<TMessage>(EventBus bus, Func<string> owner, Action<TMessage> handler)
    : Subscription(bus, owner, typeof(TMessage)), IDelivery<TMessage>
{
    public void Deliver(TMessage message)
    {
        if (IsDisposed)
        {
            return;
        }

        try
        {
            handler(message);
        }
        catch (Exception ex)
        {
            ReportFailure(ex);
        }

        CountDelivery();
    }

    public ValueTask DeliverAsync(TMessage message, CancellationToken cancellationToken)
    {
        Deliver(message);
        return default;
    }
}
