using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;

namespace Addons.Host.Chain;

/// <summary>
/// Runs a flow through the chain's hooks in the order the proxy would have (mitmproxy's event sequence of a loaded
/// flow), each hook followed by <c>update</c>, waiting after each while an addon intercepts the flow.
/// </summary>
internal sealed class FlowInjector(AddonChain chain) : IFlowInjector
{
    public async ValueTask<bool> InjectAsync(Flow flow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (flow is not HttpFlow http)
        {
            throw new ArgumentException($"Flow {flow.Id} is a {flow.Type} flow; only HTTP flows can be put through the hooks yet.", nameof(flow));
        }

        http.Live = true;
        try
        {
            if (!await HookAsync(Hook.RequestHeaders, http, cancellationToken).ConfigureAwait(false)
                || !await HookAsync(Hook.Request, http, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            if (http.Response is not null
                && (!await HookAsync(Hook.ResponseHeaders, http, cancellationToken).ConfigureAwait(false)
                    || !await HookAsync(Hook.Response, http, cancellationToken).ConfigureAwait(false)))
            {
                return false;
            }

            if (http.WebSocket is { } webSocket)
            {
                // The messages arrive one by one, as they would have on the wire: each hook sees those before it.
                var messages = webSocket.Messages.ToList();
                webSocket.Messages.Clear();
                if (!await HookAsync(Hook.WebSocketStart, http, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                foreach (var message in messages)
                {
                    webSocket.Messages.Add(message);
                    if (!await HookAsync(Hook.WebSocketMessage, http, cancellationToken).ConfigureAwait(false))
                    {
                        return false;
                    }
                }

                return await HookAsync(Hook.WebSocketEnd, http, cancellationToken).ConfigureAwait(false);
            }

            if (http.Error is not null)
            {
                return await HookAsync(Hook.Error, http, cancellationToken).ConfigureAwait(false);
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

        // A request without response or error has had no hook that ends a flow: one more update, no longer live, tells
        // the addons that keep finished flows (the Session) that it is complete.
        await chain.InvokeAsync(Hook.Update, new UpdateContext([http], cancellationToken), http).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> HookAsync(Hook hook, HttpFlow flow, CancellationToken cancellationToken)
    {
        await chain.HandleFlowAsync(hook, new HttpFlowContext(flow, cancellationToken)).ConfigureAwait(false);
        await flow.WaitForResumeAsync(cancellationToken).ConfigureAwait(false);
        return !flow.IsKilled;
    }
}
