namespace Addons.Host.Events;

/// <summary>How the bus hands one message to one subscription.</summary>
internal interface IDelivery<in TMessage>
{
    void Deliver(TMessage message);

    ValueTask DeliverAsync(TMessage message, CancellationToken cancellationToken);
}
