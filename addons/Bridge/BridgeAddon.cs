using System.Runtime.CompilerServices;
using System.Text.Json;
using Addons.Abstractions;
using Addons.Abstractions.Events;
using Addons.Abstractions.Health;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Addons.Bridge.BridgeAddon))]

namespace Addons.Bridge;

/// <summary>
/// Forwards chosen bus message types between hosts over NATS: each message of a type in <c>bridge_types</c> published
/// on this host's bus goes (as protobuf for a protobuf message type, else as JSON) to the subject <c>bridge_subject_prefix.Type.FullName</c> with this host's id, and
/// each such message from another host is published on this host's bus, as if an addon here had published it. A message
/// never comes back to the host it left (the origin header), and one that arrived from NATS is not sent out again.
/// <c>bridge_delivery</c> says what is promised: <c>at-most-once</c> (core NATS) or <c>at-least-once</c> (JetStream).
/// </summary>
public sealed partial class BridgeAddon : Addon
{
    private const string AtMostOnce = "at-most-once";
    private const string AtLeastOnce = "at-least-once";
    private static readonly string[] Deliveries = [AtMostOnce, AtLeastOnce];
    private static readonly string[] Policies = ["wait", "drop-oldest", "drop-newest"];
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);
    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(5);

    // Messages that came from NATS, so that the bridge's own subscription does not send them out again.
    private readonly ConditionalWeakTable<object, object> _fromNats = [];
    private readonly List<IEventSubscription> _subscriptions = [];
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private IEventBus _bus = null!;
    private IOption<string> _url = null!;
    private IOption<string> _token = null!;
    private IOption<string> _hostId = null!;
    private IOption<string> _types = null!;
    private IOption<string> _prefix = null!;
    private IOption<string> _delivery = null!;
    private IOption<string> _stream = null!;
    private IOption<int> _queueSize = null!;
    private IOption<string> _backpressure = null!;
    private IOption<bool> _required = null!;
    private List<BridgedType> _bridged = [];
    private NatsLink? _link;
    private CancellationTokenSource? _stop;
    private Task _receiving = Task.CompletedTask;
    private string? _notBridging;

    /// <inheritdoc />
    public override string Name => "bridge";

    /// <inheritdoc />
    public override void Load(IAddonLoader loader)
    {
        _logger = loader.Logger;
        _bus = loader.Bus;
        _url = loader.AddOption("bridge_nats_url", "", "The NATS server the bus bridge connects to (nats://127.0.0.1:4222); empty: no bridge.");
        _token = loader.AddOption("bridge_nats_token", "", "The token NATS asks for (its authorization token); empty: none. NATS_TOKEN in the environment also works.");
        _hostId = loader.AddOption("bridge_host_id", Environment.MachineName, "This host's id on the bridge: its messages carry it, and it ignores those that carry its own. Every host needs its own.");
        _types = loader.AddOption("bridge_types", "", "The bus message types to forward between hosts: full type names, comma-separated, from the contract or an assembly the plugins share.");
        _prefix = loader.AddOption("bridge_subject_prefix", "addons.bus", "The NATS subjects' prefix: a message goes to PREFIX.Namespace.Type.");
        _delivery = loader.AddOption("bridge_delivery", AtMostOnce, "at-most-once: core NATS, a host that is away misses what is sent meanwhile; at-least-once: JetStream keeps messages (7 days) until each host has them, and may deliver one twice.", Deliveries);
        _stream = loader.AddOption("bridge_stream", "ADDONS_BUS", "The JetStream stream at-least-once delivery keeps messages in.");
        _queueSize = loader.AddOption("bridge_queue_size", 1024, "How many of this host's messages may wait to be sent to NATS.");
        _backpressure = loader.AddOption("bridge_backpressure", "wait", "When that queue is full, as the bus's own policies: wait (the publisher waits), drop-oldest or drop-newest (counted in bridge.stats).", Policies);
        _required = loader.AddOption("bridge_required", false, "Refuse to start when NATS cannot be used, instead of running without the bridge.");
        loader.AddCommand("bridge.stats", () => Stats(), "The bridge's server, delivery, and per type the messages sent, received and lost.");
        loader.AddHealthCheck("connected", _ => ValueTask.FromResult(Health()));
    }

    /// <inheritdoc />
    public override async ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (!context.IsInitial)
        {
            if (context.Updated.Any(name => name.StartsWith("bridge_", StringComparison.Ordinal)))
            {
                context.Reject("The bridge options take effect at start; restart the host to change them.");
            }

            return;
        }

        if (_url.Value.Length == 0)
        {
            return;
        }

        if (Check() is { } problem)
        {
            context.Reject(problem);
            return;
        }

        var (types, unresolved) = BridgeTypes.Resolve(_types.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (unresolved is not null)
        {
            context.Reject(unresolved);
            return;
        }

        var token = _token.Value.Length > 0 ? _token.Value : Environment.GetEnvironmentVariable("NATS_TOKEN") ?? "";
        var settings = new BridgeSettings(_url.Value, token, _hostId.Value, _prefix.Value, _delivery.Value == AtLeastOnce ? BridgeDelivery.AtLeastOnce : BridgeDelivery.AtMostOnce, _stream.Value);
        _bridged = [.. types.Select(type => new BridgedType(type, settings.SubjectPrefix, Json))];
        var link = new NatsLink(settings, _bridged, _logger);
        var stop = new CancellationTokenSource();
        var publishers = _bridged.ToDictionary(t => t, t => t.Publisher(_bus));
        try
        {
            await link.ConnectAsync(context.CancellationToken).ConfigureAwait(false);
            _receiving = await link.StartReceivingAsync((type, message) => Deliver(publishers[type], message), stop.Token).ConfigureAwait(false);
        }
        catch (BridgeException e)
        {
            stop.Dispose();
            await link.DisposeAsync().ConfigureAwait(false);
            if (_required.Value)
            {
                context.Reject($"bridge_nats_url: {e.Message}");
                return;
            }

            _notBridging = e.Message;
            LogNotBridging(_logger, e.Message);
            return;
        }

        _link = link;
        _stop = stop;
        var options = new AsyncSubscriptionOptions { Capacity = _queueSize.Value, Policy = Policy(_backpressure.Value) };
        foreach (var type in _bridged)
        {
            _subscriptions.Add(type.Subscribe(_bus, (message, cancellationToken) => SendAsync(type, message, cancellationToken), options));
        }

        LogBridging(_logger, settings.ShownUrl, settings.HostId, _delivery.Value, string.Join(", ", _bridged.Select(t => t.Name)));
    }

    /// <inheritdoc />
    public override async ValueTask DoneAsync(LifecycleContext context)
    {
        // At least once: what this host queued is sent before it goes, for as long as NATS takes it within the wait.
        var deadline = DateTime.UtcNow + DrainWait;
        while (_delivery.Value == AtLeastOnce && _link is { IsConnected: true } && _subscriptions.Any(s => s.QueueDepth > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }

        if (_subscriptions.Sum(s => s.QueueDepth) is > 0 and var left)
        {
            LogNotSentAtStop(_logger, left);
        }

        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _subscriptions.Clear();
        try
        {
            if (_stop is { } stop)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                await _receiving.ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (e is not OperationCanceledException)
            {
                LogReceiveStopped(_logger, e.Message);
            }
        }
        finally
        {
            _stop?.Dispose();
            _stop = null;
            if (_link is { } link)
            {
                _link = null;
                await link.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private string? Check()
    {
        if (_hostId.Value.Trim().Length == 0)
        {
            return "bridge_host_id is empty: every host on the bridge needs an id of its own.";
        }

        if (_queueSize.Value < 1)
        {
            return $"bridge_queue_size must be at least 1 (got {_queueSize.Value}).";
        }

        if (_prefix.Value.Length == 0 || _prefix.Value.AsSpan().IndexOfAny(" \t*>") >= 0 || _prefix.Value.StartsWith('.') || _prefix.Value.EndsWith('.'))
        {
            return $"bridge_subject_prefix '{_prefix.Value}' is not a NATS subject: dot-separated words without spaces, * or >.";
        }

        return _types.Value.Trim().Length == 0 ? "bridge_types is empty: name the bus message types to forward (full type names, comma-separated)." : null;
    }

    private static BackpressurePolicy Policy(string name) => name switch
    {
        "drop-oldest" => BackpressurePolicy.DropOldest,
        "drop-newest" => BackpressurePolicy.DropNewest,
        _ => BackpressurePolicy.Wait,
    };

    private async ValueTask SendAsync(BridgedType type, object message, CancellationToken cancellationToken)
    {
        if (_fromNats.TryGetValue(message, out _) || _link is not { } link)
        {
            return;
        }

        var id = Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await link.SendAsync(type, message, id, cancellationToken).ConfigureAwait(false);
                type.CountSent();
                return;
            }
            catch (BridgeException e) when (_delivery.Value == AtLeastOnce && !cancellationToken.IsCancellationRequested)
            {
                // At least once: until NATS stores it. Meanwhile the queue fills, and bridge_backpressure decides.
                if (attempt == 1)
                {
                    LogSendRetrying(_logger, type.Name, e.Message);
                }

                try
                {
                    await Task.Delay(RetryPause, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    type.CountLost();
                    LogSendFailed(_logger, type.Name, "the host stopped before NATS took it.");
                    return;
                }
            }
            catch (Exception e) when (e is BridgeException or JsonException or NotSupportedException or InvalidOperationException or OperationCanceledException)
            {
                type.CountLost();
                LogSendFailed(_logger, type.Name, e is OperationCanceledException ? "the host stopped before NATS took it." : e.Message);
                return;
            }
        }
    }

    private void Deliver(Action<object> publish, object message)
    {
        _fromNats.AddOrUpdate(message, message);
        publish(message);
    }

    private string Stats()
    {
        if (_link is not { } link)
        {
            return _url.Value.Length == 0 ? "The bridge is off (bridge_nats_url is empty)." : $"The bridge is not running: {_notBridging}";
        }

        var types = string.Join("; ", _bridged.Select(t => $"{t.Name}: sent {t.Sent}, received {t.Received}, lost {t.Lost}, dropped {Dropped(t)}"));
        return $"NATS {BridgeSettings.Shown(_url.Value)} ({(link.IsConnected ? "connected" : "disconnected")}), host {_hostId.Value}, {_delivery.Value}; {types}";
    }

    private long Dropped(BridgedType type) => _subscriptions.Where(s => s.MessageType == type.Type).Sum(s => s.Dropped);

    private AddonHealth Health()
    {
        if (_url.Value.Length == 0)
        {
            return AddonHealth.Healthy("The bridge is off.");
        }

        if (_link is not { } link)
        {
            return AddonHealth.Unhealthy($"The bridge is not running: {_notBridging}");
        }

        return link.IsConnected
            ? AddonHealth.Healthy($"Connected to NATS at {BridgeSettings.Shown(_url.Value)} as host {_hostId.Value}.")
            : AddonHealth.Degraded($"Disconnected from NATS at {BridgeSettings.Shown(_url.Value)}; the client reconnects, and {(_delivery.Value == AtLeastOnce ? "messages wait in the queue" : "messages sent meanwhile may be lost")}.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bridge: NATS {Url} as host {HostId}, {Delivery}, forwarding {Types}")]
    private static partial void LogBridging(ILogger logger, string url, string hostId, string delivery, string types);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason} The host runs without the bridge (set bridge_required to refuse to start instead).")]
    private static partial void LogNotBridging(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Type} message did not reach NATS ({Reason}); it is sent again every second until NATS stores it")]
    private static partial void LogSendRetrying(ILogger logger, string type, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The host stops with {Count} messages not sent to NATS; they are lost")]
    private static partial void LogNotSentAtStop(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Receiving from NATS had stopped: {Reason}")]
    private static partial void LogReceiveStopped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A {Type} message was not forwarded: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string type, string reason);
}
