using System.Collections.Concurrent;
using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;

namespace Addons.Host.Dump;

/// <summary>
/// An addon that sees each flow once, when it is complete, as mitmdump's output and save do: an HTTP flow at
/// <c>response</c> (or at <c>websocket_end</c>, for an addon that keeps a WebSocket's messages), or at <c>error</c>
/// when it failed before a response; a TCP or UDP flow at its end or error; a DNS flow at <c>dns_response</c>, or at
/// <c>dns_error</c> without a response. A flow that ends without any of those (a request a file holds without its
/// response) is complete at the <c>update</c> that finds it no longer live; one still open when the host stops is
/// handed to <see cref="Stopping"/>.
/// </summary>
internal abstract class CompletedFlowAddon : Addon
{
    // The flows begun and not complete yet, with the order they began in.
    private readonly ConcurrentDictionary<Flow, long> _open = new(ReferenceEqualityComparer.Instance);
    private long _begun;

    /// <summary>Whether the addon does anything with flows now (a file to write, lines to print).</summary>
    protected abstract bool Active { get; }

    /// <summary>Whether a WebSocket flow completes at <c>websocket_end</c>, with its messages, rather than at its response.</summary>
    protected virtual bool CompletesWebSocketsAtEnd => false;

    public sealed override ValueTask RequestHeadersAsync(HttpFlowContext context) => Begin(context.Flow);

    public sealed override ValueTask ResponseAsync(HttpFlowContext context) =>
        CompletesWebSocketsAtEnd && context.Flow.WebSocket is not null ? default : Complete(context.Flow);

    public sealed override ValueTask ErrorAsync(HttpFlowContext context) => context.Flow.Response is null ? Complete(context.Flow) : default;

    public sealed override ValueTask WebSocketEndAsync(HttpFlowContext context) => CompletesWebSocketsAtEnd ? Complete(context.Flow) : default;

    public sealed override ValueTask TcpStartAsync(TcpFlowContext context) => Begin(context.Flow);

    public sealed override ValueTask TcpEndAsync(TcpFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask TcpErrorAsync(TcpFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask UdpStartAsync(UdpFlowContext context) => Begin(context.Flow);

    public sealed override ValueTask UdpEndAsync(UdpFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask UdpErrorAsync(UdpFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask DnsRequestAsync(DnsFlowContext context) => Begin(context.Flow);

    public sealed override ValueTask DnsResponseAsync(DnsFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask DnsErrorAsync(DnsFlowContext context) => context.Flow.Response is null ? Complete(context.Flow) : default;

    public sealed override ValueTask UpdateAsync(UpdateContext context)
    {
        if (_open.IsEmpty)
        {
            return default;
        }

        foreach (var flow in context.Flows)
        {
            // Nothing more will happen to a flow that is no longer live: it is complete as it stands.
            if (!flow.Live && _open.ContainsKey(flow))
            {
                Complete(flow);
            }
        }

        return default;
    }

    public sealed override ValueTask DoneAsync(LifecycleContext context)
    {
        var open = _open.OrderBy(pair => pair.Value).Select(pair => pair.Key).ToList();
        _open.Clear();
        Stopping(open);
        return default;
    }

    /// <summary>The flow is complete.</summary>
    protected abstract void Completed(Flow flow);

    /// <summary>
    /// The host stops (<c>done</c>); <paramref name="unfinished"/> are the flows begun and not complete, in the order
    /// they began.
    /// </summary>
    protected abstract void Stopping(IReadOnlyList<Flow> unfinished);

    private ValueTask Begin(Flow flow)
    {
        if (Active)
        {
            _open.TryAdd(flow, Interlocked.Increment(ref _begun));
        }

        return default;
    }

    private ValueTask Complete(Flow flow)
    {
        _open.TryRemove(flow, out _);
        Completed(flow);
        return default;
    }
}
