using System.Threading.Channels;
using Addons.Abstractions.Events;

namespace Addons.Host.Events;

/// <summary>
/// A subscriber with its own bounded queue and consumer task. A full queue waits or drops as its policy says; every
/// drop is counted (in the metrics too) and logged (the first, then every thousandth), never silent.
/// </summary>
internal sealed class AsyncSubscription<TMessage> : Subscription, IDelivery<TMessage>
{
    private readonly Channel<TMessage> _queue;
    private readonly Func<TMessage, CancellationToken, ValueTask> _handler;
    private readonly AsyncSubscriptionOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private long _dropped;

    public AsyncSubscription(EventBus bus, Func<string> owner, Func<TMessage, CancellationToken, ValueTask> handler, AsyncSubscriptionOptions options)
        : base(bus, owner, typeof(TMessage))
    {
        _handler = handler;
        _options = options;
        var channelOptions = new BoundedChannelOptions(options.Capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = options.Policy switch
            {
                BackpressurePolicy.DropOldest => BoundedChannelFullMode.DropOldest,
                BackpressurePolicy.DropNewest => BoundedChannelFullMode.DropWrite,
                _ => BoundedChannelFullMode.Wait,
            },
        };
        _queue = Channel.CreateBounded<TMessage>(channelOptions, OnDropped);
        Consumer = Task.Run(ConsumeAsync);
    }

    public override bool HasQueue => true;

    public override int QueueDepth => _queue.Reader.Count;

    public override long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The consumer loop; it ends when the subscription is disposed.</summary>
    public Task Consumer { get; }

    public void Deliver(TMessage message)
    {
        if (_queue.Writer.TryWrite(message) || IsDisposed)
        {
            return;
        }

        try
        {
            // Only the Wait policy gets here: the queue is full and the publisher asked to wait synchronously.
            _queue.Writer.WriteAsync(message, _stop.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            // Unsubscribed while waiting: the message was meant for a subscriber that no longer exists.
        }
    }

    public async ValueTask DeliverAsync(TMessage message, CancellationToken cancellationToken)
    {
        if (_queue.Writer.TryWrite(message) || IsDisposed)
        {
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        try
        {
            await _queue.Writer.WriteAsync(message, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelClosedException || (ex is OperationCanceledException && _stop.IsCancellationRequested))
        {
            // Unsubscribed while waiting.
        }
    }

    protected override void OnDisposed()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
    }

    private async Task ConsumeAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var message))
                {
                    try
                    {
                        await _handler(message, _stop.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex)
                    {
                        ReportFailure(ex);
                    }

                    CountDelivery();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: stop consuming.
        }
    }

    private void OnDropped(TMessage message)
    {
        var dropped = Interlocked.Increment(ref _dropped);
        Bus.Metrics.BusMessageDropped(Owner, MessageType.Name);
        if (dropped == 1 || dropped % 1000 == 0)
        {
            EventBus.MessagesDropped(Bus.Logger, Owner, MessageType.Name, _options.Capacity, dropped, _options.Policy);
        }
    }
}
