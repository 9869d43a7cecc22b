using System.Diagnostics;
using System.Diagnostics.Metrics;
using Addons.Abstractions.Flows;

namespace Addons.Host.Diagnostics;

/// <summary>
/// The host's meter, <c>Addons.Host</c>, and its instruments: what the proxy, the chain and the bus do, for
/// dotnet-counters and OpenTelemetry. Made through <see cref="IMeterFactory"/>, so that each container (each test
/// host) has a meter of its own that a listener can tell apart by its scope. Each recording method checks its
/// instrument's <see cref="Instrument.Enabled"/> first: with no listener, recording costs a field read.
/// </summary>
internal sealed class HostMetrics
{
    public const string MeterName = "Addons.Host";

    // Tag values are interned once here: a measurement passes references, never builds a string.
    private static readonly KeyValuePair<string, object?> ClientSide = new("side", "client");
    private static readonly KeyValuePair<string, object?> UpstreamSide = new("side", "upstream");
    private static readonly KeyValuePair<string, object?> Received = new("direction", "receive");
    private static readonly KeyValuePair<string, object?> Sent = new("direction", "transmit");
    private static readonly KeyValuePair<string, object?> Established = new("outcome", "established");
    private static readonly KeyValuePair<string, object?> Failed = new("outcome", "failed");
    private static readonly KeyValuePair<string, object?>[] FlowTypes =
        [.. Enum.GetValues<FlowType>().Select(t => new KeyValuePair<string, object?>("type", t.ToString().ToLowerInvariant()))];

    // Hooks take microseconds to a few milliseconds; the default boundaries (0 to 10,000) would put them all in one bucket.
    private static readonly InstrumentAdvice<double> HookDurationAdvice = new()
    {
        HistogramBucketBoundaries = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private readonly Counter<long> _requests;
    private readonly Counter<long> _poolHits;
    private readonly Counter<long> _poolMisses;
    private readonly Counter<long> _tlsHandshakes;
    private readonly Counter<long> _bytes;
    private readonly Counter<long> _flows;
    private readonly Histogram<double> _hookDuration;
    private readonly Counter<long> _hookErrors;
    private readonly Counter<long> _busDropped;
    private Func<IEnumerable<(string Subscriber, string MessageType, int Depth)>>? _busQueues;
    private long _clientConnections;
    private long _upstreamConnections;

    public HostMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _requests = Meter.CreateCounter<long>("addons.proxy.requests", "{request}", "HTTP requests read from clients (a CONNECT is one).");
        // Counted always and observed when collected: a listener that attaches while connections are open reads how
        // many are, where one summing deltas would start from zero and go negative as they close.
        Meter.CreateObservableUpDownCounter("addons.proxy.client.connections.active", () => Volatile.Read(ref _clientConnections), "{connection}", "Client connections open.");
        Meter.CreateObservableUpDownCounter("addons.proxy.upstream.connections.active", () => Volatile.Read(ref _upstreamConnections), "{connection}", "Connections to servers open, idle ones in the pool included.");
        _poolHits = Meter.CreateCounter<long>("addons.proxy.upstream.pool.hits", "{request}", "Requests that found an idle connection to their server in the pool.");
        _poolMisses = Meter.CreateCounter<long>("addons.proxy.upstream.pool.misses", "{request}", "Requests that found none and opened a new connection.");
        _tlsHandshakes = Meter.CreateCounter<long>("addons.proxy.tls.handshakes", "{handshake}", "TLS handshakes, by side (client: intercepted; upstream: to the server) and outcome.");
        _bytes = Meter.CreateCounter<long>("addons.proxy.bytes", "By", "Bytes on the wire, by side (client, upstream) and direction (receive, transmit) as the proxy sees them.");
        _flows = Meter.CreateCounter<long>("addons.flows", "{flow}", "Flows that began in the chain (captured or injected), by type.");
        _hookDuration = Meter.CreateHistogram("addons.hook.duration", "s", "How long an addon took in a hook, by addon and hook.", advice: HookDurationAdvice);
        _hookErrors = Meter.CreateCounter<long>("addons.hook.errors", "{error}", "Exceptions an addon threw in a hook, by addon and hook.");
        Meter.CreateObservableGauge("addons.bus.queue.depth", ObserveBusQueues, "{message}", "Messages waiting in an asynchronous subscriber's queue, by subscriber and message type.");
        _busDropped = Meter.CreateCounter<long>("addons.bus.messages.dropped", "{message}", "Messages a full queue dropped by its policy, by subscriber and message type.");
    }

    public Meter Meter { get; }

    /// <summary>Whether <c>addons.hook.duration</c> is listened to: the chain reads the clock only then.</summary>
    public bool HookDurationEnabled => _hookDuration.Enabled;

    public void RequestRead()
    {
        if (_requests.Enabled)
        {
            _requests.Add(1);
        }
    }

    public void ClientConnected() => Interlocked.Increment(ref _clientConnections);

    public void ClientDisconnected() => Interlocked.Decrement(ref _clientConnections);

    public void UpstreamOpened() => Interlocked.Increment(ref _upstreamConnections);

    public void UpstreamClosed() => Interlocked.Decrement(ref _upstreamConnections);

    public void PoolTaken(bool hit)
    {
        var counter = hit ? _poolHits : _poolMisses;
        if (counter.Enabled)
        {
            counter.Add(1);
        }
    }

    public void TlsHandshake(bool clientSide, bool established)
    {
        if (_tlsHandshakes.Enabled)
        {
            _tlsHandshakes.Add(1, clientSide ? ClientSide : UpstreamSide, established ? Established : Failed);
        }
    }

    public void BytesReceived(bool clientSide, int count)
    {
        if (count > 0 && _bytes.Enabled)
        {
            _bytes.Add(count, clientSide ? ClientSide : UpstreamSide, Received);
        }
    }

    public void BytesSent(bool clientSide, int count)
    {
        if (count > 0 && _bytes.Enabled)
        {
            _bytes.Add(count, clientSide ? ClientSide : UpstreamSide, Sent);
        }
    }

    public void FlowStarted(FlowType type)
    {
        if (_flows.Enabled)
        {
            _flows.Add(1, FlowTypes[(int)type]);
        }
    }

    /// <summary>A hook's time from <see cref="Stopwatch.GetTimestamp"/> at its start (0: the clock was not read).</summary>
    public void HookTimed(string addon, string hook, long startTimestamp)
    {
        if (startTimestamp != 0 && _hookDuration.Enabled)
        {
            _hookDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new("addon", addon), new("hook", hook));
        }
    }

    public void HookFailed(string addon, string hook)
    {
        if (_hookErrors.Enabled)
        {
            _hookErrors.Add(1, new("addon", addon), new("hook", hook));
        }
    }

    public void BusMessageDropped(string subscriber, string messageType)
    {
        if (_busDropped.Enabled)
        {
            _busDropped.Add(1, new("subscriber", subscriber), new("message_type", messageType));
        }
    }

    /// <summary>Where <c>addons.bus.queue.depth</c> reads the queues from: the bus, when it is made.</summary>
    public void ObserveBusQueues(Func<IEnumerable<(string Subscriber, string MessageType, int Depth)>> queues) => _busQueues = queues;

    private IEnumerable<Measurement<int>> ObserveBusQueues()
    {
        if (_busQueues is not { } queues)
        {
            yield break;
        }

        foreach (var (subscriber, messageType, depth) in queues())
        {
            yield return new Measurement<int>(depth, new("subscriber", subscriber), new("message_type", messageType));
        }
    }
}
