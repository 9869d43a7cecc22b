using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Addons.Bridge;

/// <summary>
/// The bridge's side of NATS: sends this host's messages to their types' subjects (core NATS, or JetStream with the
/// server's acknowledgement) with the origin header, and receives the other hosts' messages of the bridged types, which
/// it hands to <c>deliver</c>. Its own messages (same origin) and messages of types this host does not bridge are
/// ignored.
/// </summary>
internal sealed partial class NatsLink : IAsyncDisposable
{
    // How long a JetStream message is kept for hosts that are away.
    private static readonly TimeSpan StreamMaxAge = TimeSpan.FromDays(7);

    // Pull requests a restarted server forgot are noticed when its heartbeats stop: within seconds, not the default 30.
    private static readonly NatsJSConsumeOpts ConsumeOptions = new() { MaxMsgs = 256, Expires = TimeSpan.FromSeconds(5), IdleHeartbeat = TimeSpan.FromSeconds(1) };

    private readonly BridgeSettings _settings;
    private readonly Dictionary<string, BridgedType> _bySubject;
    private readonly ILogger _logger;
    private readonly NatsConnection _connection;
    private readonly NatsJSContext? _jetStream;
    private readonly RecentIds _recent = new(10_000);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);

    public NatsLink(BridgeSettings settings, IReadOnlyList<BridgedType> types, ILogger logger)
    {
        _settings = settings;
        _logger = logger;
        _bySubject = types.ToDictionary(t => t.Subject, StringComparer.Ordinal);
        var options = NatsOpts.Default with
        {
            Url = settings.Url,
            Name = $"addons-host {settings.HostId}",
            AuthOpts = settings.Token.Length == 0 ? NatsAuthOpts.Default : NatsAuthOpts.Default with { Token = settings.Token },
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        _connection = new NatsConnection(options);
        _jetStream = settings.Delivery == BridgeDelivery.AtLeastOnce ? new NatsJSContext(_connection) : null;
    }

    /// <summary>Whether the connection to NATS is up.</summary>
    public bool IsConnected => _connection.ConnectionState == NatsConnectionState.Open;

    /// <summary>Connects, and with JetStream makes sure the stream and this host's consumer exist.</summary>
    /// <exception cref="BridgeException">NATS cannot be reached, refused the login, or has no JetStream.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _connection.ConnectAsync().ConfigureAwait(false);
            if (_jetStream is { } jetStream)
            {
                await EnsureConsumerAsync(jetStream, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is NatsException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new BridgeException($"The bridge cannot use NATS at {_settings.ShownUrl}: {Reason(e)}", e);
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> of <paramref name="type"/> to the other hosts. <paramref name="id"/> is the same
    /// for every attempt at one message: an attempt that timed out may still have been stored, and JetStream stores a
    /// second one with the same id only once.
    /// </summary>
    /// <exception cref="BridgeException">NATS did not take it (disconnected past the client's wait, or JetStream did not acknowledge).</exception>
    public async ValueTask SendAsync(BridgedType type, object message, string id, CancellationToken cancellationToken)
    {
        var payload = type.Serialize(message);
        var headers = new NatsHeaders
        {
            [BridgeHeaders.Origin] = _settings.HostId,
            [BridgeHeaders.Type] = type.Name,
            [BridgeHeaders.Format] = type.Format,
        };
        try
        {
            if (_jetStream is { } jetStream)
            {
                var ack = await jetStream.PublishAsync(type.Subject, payload, headers: headers, opts: new NatsJSPubOpts { MsgId = id }, cancellationToken: cancellationToken).ConfigureAwait(false);
                ack.EnsureSuccess();
            }
            else
            {
                await _connection.PublishAsync(type.Subject, payload, headers: headers, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is NatsException or TimeoutException)
        {
            throw new BridgeException($"A {type.Name} message did not reach NATS at {_settings.ShownUrl}: {Reason(e)}", e);
        }
    }

    /// <summary>
    /// Starts receiving the other hosts' messages, handing each to <paramref name="deliver"/>, until cancelled. Returns
    /// the receiving task once the server has the subscription: a message sent after this returns is received.
    /// </summary>
    /// <exception cref="BridgeException">NATS did not take the subscription.</exception>
    public async Task<Task> StartReceivingAsync(Action<BridgedType, object> deliver, CancellationToken cancellationToken)
    {
        if (_jetStream is not null)
        {
            // The durable consumer exists (ConnectAsync): what is sent from now on waits in it.
            return ReceiveAsync(null, deliver, cancellationToken);
        }

        try
        {
            // The client subscribes again by itself after a reconnect.
            var subscription = await _connection.SubscribeCoreAsync<byte[]>($"{_settings.SubjectPrefix}.>", cancellationToken: cancellationToken).ConfigureAwait(false);
            await _connection.PingAsync(cancellationToken).ConfigureAwait(false);
            return ReceiveAsync(subscription, deliver, cancellationToken);
        }
        catch (Exception e) when (e is NatsException or TimeoutException)
        {
            throw new BridgeException($"The bridge cannot subscribe at NATS at {_settings.ShownUrl}: {Reason(e)}", e);
        }
    }

    private async Task ReceiveAsync(INatsSub<byte[]>? subscription, Action<BridgedType, object> deliver, CancellationToken cancellationToken)
    {
        if (subscription is not null)
        {
            await using (subscription.ConfigureAwait(false))
            {
                try
                {
                    await foreach (var message in subscription.Msgs.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                    {
                        Handle(message.Subject, message.Headers, message.Data, deliver);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }
            }

            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Made again if the stream or the consumer was lost (a NATS server that started afresh).
                var consumer = await EnsureConsumerAsync(_jetStream!, cancellationToken).ConfigureAwait(false);
                await foreach (var message in consumer.ConsumeAsync<byte[]>(opts: ConsumeOptions, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    Handle(message.Subject, message.Headers, message.Data, deliver);
                    await message.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NatsException or TimeoutException)
            {
                // The client reconnects by itself; a consumer that failed is fetched again after a pause.
                LogReceiveFailed(_logger, _settings.ShownUrl, Reason(e));
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

    /// <summary>Makes the stream and this host's durable consumer if they are missing, and returns the consumer.</summary>
    private async Task<INatsJSConsumer> EnsureConsumerAsync(NatsJSContext jetStream, CancellationToken cancellationToken)
    {
        await jetStream.CreateOrUpdateStreamAsync(new StreamConfig(_settings.Stream, [$"{_settings.SubjectPrefix}.>"]) { MaxAge = StreamMaxAge }, cancellationToken).ConfigureAwait(false);
        return await jetStream.CreateOrUpdateConsumerAsync(_settings.Stream, new ConsumerConfig(_settings.Consumer) { AckPolicy = ConsumerConfigAckPolicy.Explicit }, cancellationToken).ConfigureAwait(false);
    }

    private void Handle(string subject, NatsHeaders? headers, byte[]? payload, Action<BridgedType, object> deliver)
    {
        var origin = Header(headers, BridgeHeaders.Origin);
        if (origin == _settings.HostId || !_bySubject.TryGetValue(subject, out var type))
        {
            return;
        }

        if (_jetStream is not null && Header(headers, BridgeHeaders.MessageId) is { } id && !_recent.Add(id))
        {
            return;
        }

        object message;
        try
        {
            if (Header(headers, BridgeHeaders.Format) is { } format && format != type.Format)
            {
                throw new FormatException($"it came as {format}, and this host reads {type.Name} as {type.Format}");
            }

            message = type.Deserialize(payload ?? []);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            type.CountLost();
            if (_reported.Add(subject))
            {
                LogUnreadable(_logger, subject, origin ?? "(no origin)", type.Name, type.Format, e.Message.TrimEnd('.'));
            }

            return;
        }

        try
        {
            deliver(type, message);
            type.CountReceived();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            type.CountLost();
            if (_reported.Add("deliver " + subject))
            {
                LogNotDelivered(_logger, type.Name, origin ?? "(no origin)", e.Message);
            }
        }
    }

    private static string? Header(NatsHeaders? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    private static string Reason(Exception e) => (e.InnerException is { } inner && e.Message.Length < 8 ? inner.Message : e.Message).TrimEnd('.') + ".";

    [LoggerMessage(Level = LogLevel.Error, Message = "A {Type} message from host {Origin} could not be published on this host's bus ({Reason}); it was dropped, and later ones that fail too are counted in bridge.stats")]
    private static partial void LogNotDelivered(ILogger logger, string type, string origin, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The bridge lost its subscription to NATS at {Url} ({Reason}) and subscribes again")]
    private static partial void LogReceiveFailed(ILogger logger, string url, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A message on {Subject} from host {Origin} is not a {Type} in {Format} ({Reason}); it was dropped, and later ones on that subject that fail too are counted in bridge.stats")]
    private static partial void LogUnreadable(ILogger logger, string subject, string origin, string type, string format, string reason);
}
