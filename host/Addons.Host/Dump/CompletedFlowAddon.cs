using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;

namespace Addons.Host.Dump;

/// <summary>
/// An addon that sees each flow once, when it is complete, as mitmdump's output and save do: at <c>response</c>, or at
/// <c>error</c> for a flow that failed before a response (one with a response was seen then).
/// </summary>
internal abstract class CompletedFlowAddon : Addon
{
    public sealed override ValueTask ResponseAsync(HttpFlowContext context)
    {
        Completed(context.Flow);
        return default;
    }

    public sealed override ValueTask ErrorAsync(HttpFlowContext context)
    {
        if (context.Flow.Response is null)
        {
            Completed(context.Flow);
        }

        return default;
    }

    /// <summary>The flow is complete.</summary>
    protected abstract void Completed(HttpFlow flow);
}
