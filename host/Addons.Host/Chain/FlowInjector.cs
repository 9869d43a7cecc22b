using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;

namespace Addons.Host.Chain;

/// <summary>
/// Runs a flow through the chain's hooks in the order the proxy would have (mitmproxy's event sequence of a loaded
/// flow), each hook followed by <c>update</c>, waiting after each while an addon intercepts the flow: HTTP flows
/// (with their WebSocket messages), and TCP, UDP and DNS flows. A flow that was killed when it was captured goes
/// through every hook with its error, as mitmproxy loads it; only a kill during this run ends the run early.
/// </summary>
internal sealed class FlowInjector(AddonChain chain) : IFlowInjector
{
    public async ValueTask<bool> InjectAsync(Flow flow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        switch (flow)
        {
            case TcpFlow tcp:
                return await InjectStreamAsync(tcp, c => new TcpFlowContext(tcp, c), Hook.TcpStart, cancellationToken).ConfigureAwait(false);
            case UdpFlow udp:
                return await InjectStreamAsync(udp, c => new UdpFlowContext(udp, c), Hook.UdpStart, cancellationToken).ConfigureAwait(false);
            case DnsFlow dns:
                return await InjectDnsAsync(dns, cancellationToken).ConfigureAwait(false);
            case not HttpFlow:
                throw new ArgumentException($"Flow {flow.Id} is a {flow.Type} flow, which cannot be put through the hooks.", nameof(flow));
        }

        var http = (HttpFlow)flow;
        var loaded = http.Error;
        http.Live = true;
        try
        {
            if (!await HookAsync(Hook.RequestHeaders, http, loaded, cancellationToken).ConfigureAwait(false)
                || !await HookAsync(Hook.Request, http, loaded, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            if (http.Response is not null
                && (!await HookAsync(Hook.ResponseHeaders, http, loaded, cancellationToken).ConfigureAwait(false)
                    || !await HookAsync(Hook.Response, http, loaded, cancellationToken).ConfigureAwait(false)))
            {
                return false;
            }

            if (http.WebSocket is { } webSocket)
            {
                // The messages arrive one by one, as they would have on the wire: each hook sees those before it.
                var messages = webSocket.Messages.ToList();
                webSocket.Messages.Clear();
                if (!await HookAsync(Hook.WebSocketStart, http, loaded, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                foreach (var message in messages)
                {
                    webSocket.Messages.Add(message);
                    if (!await HookAsync(Hook.WebSocketMessage, http, loaded, cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }
                }

                return await HookAsync(Hook.WebSocketEnd, http, loaded, cancellationToken).ConfigureAwait(false);
            }

            if (http.Error is not null)
            {
                return await HookAsync(Hook.Error, http, loaded, cancellationToken).ConfigureAwait(false);
            }

            if (http.Response is not null)
            {
                return true;
            }
        }
        finally
        {
            http.Live = false;
        }

        await EndWithoutCompletionAsync(http, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// A request without response or error has had no hook that ends a flow: one more update, no longer live, tells
    /// the addons that keep finished flows (the Session, -w, the listing) that it is complete as it stands.
    /// </summary>
    private ValueTask EndWithoutCompletionAsync(Flow flow, CancellationToken cancellationToken) =>
        chain.InvokeAsync(Hook.Update, new UpdateContext([flow], cancellationToken), flow);

    /// <summary>
    /// A TCP or UDP flow: start, one message hook per message (each sees those before it), then end or error. The
    /// protocol's four hooks follow each other in <see cref="Hook"/>: start, message, end, error.
    /// </summary>
    private async ValueTask<bool> InjectStreamAsync(StreamFlow flow, Func<CancellationToken, HookContext> context, Hook start, CancellationToken cancellationToken)
    {
        var (message, end, error) = (start + 1, start + 2, start + 3);
        var loaded = flow.Error;
        var messages = flow.Messages;
        var all = messages.ToList();
        messages.Clear();
        flow.Live = true;
        try
        {
            if (!await HookAsync(start, flow, context(cancellationToken), loaded, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            foreach (var next in all)
            {
                messages.Add(next);
                if (!await HookAsync(message, flow, context(cancellationToken), loaded, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }

            return await HookAsync(flow.Error is null ? end : error, flow, context(cancellationToken), loaded, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            flow.Live = false;
        }
    }

    /// <summary>A DNS flow: the request, then the response if there is one, then the error if there is one.</summary>
    private async ValueTask<bool> InjectDnsAsync(DnsFlow dns, CancellationToken cancellationToken)
    {
        var response = dns.Response;
        var loaded = dns.Error;
        dns.Response = null;
        dns.Live = true;
        try
        {
            if (!await HookAsync(Hook.DnsRequest, dns, new DnsFlowContext(dns, cancellationToken), loaded, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            if (response is not null)
            {
                dns.Response = response;
                if (!await HookAsync(Hook.DnsResponse, dns, new DnsFlowContext(dns, cancellationToken), loaded, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }

            if (dns.Error is not null)
            {
                return await HookAsync(Hook.DnsError, dns, new DnsFlowContext(dns, cancellationToken), loaded, cancellationToken).ConfigureAwait(false);
            }

            if (response is not null)
            {
                return true;
            }
        }
        finally
        {
            dns.Live = false;
        }

        await EndWithoutCompletionAsync(dns, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>One step; false when an addon killed the flow in it (a kill the flow was loaded with goes on).</summary>
    private async ValueTask<bool> HookAsync(Hook hook, Flow flow, HookContext context, FlowError? loaded, CancellationToken cancellationToken) =>
        await chain.StepAsync(hook, context, flow, cancellationToken).ConfigureAwait(false) || (loaded is not null && ReferenceEquals(flow.Error, loaded));

    private ValueTask<bool> HookAsync(Hook hook, HttpFlow flow, FlowError? loaded, CancellationToken cancellationToken) =>
        HookAsync(hook, flow, new HttpFlowContext(flow, cancellationToken), loaded, cancellationToken);
}
