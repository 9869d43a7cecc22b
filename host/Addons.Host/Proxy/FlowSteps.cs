using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;

namespace Addons.Host.Proxy;

/// <summary>An HTTP flow's steps through the chain, for the proxy's exchanges and client replay alike.</summary>
internal static class FlowSteps
{
    /// <summary>Runs a flow hook and its update, then waits while the flow is intercepted; false if the flow was killed.</summary>
    public static ValueTask<bool> StepAsync(this AddonChain chain, Hook hook, HttpFlow flow, CancellationToken stop) =>
        chain.StepAsync(hook, new HttpFlowContext(flow, stop), flow, stop);

    /// <summary>Ends a flow with an error and delivers the error hook (whatever stopped the exchange, the hook runs).</summary>
    public static async Task FailAsync(this AddonChain chain, HttpFlow flow, string message)
    {
        flow.Error = new FlowError(message, DateTimeOffset.UtcNow);
        await chain.StepAsync(Hook.Error, flow, CancellationToken.None).ConfigureAwait(false);
    }
}
