using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;

namespace Addons.Host.Dump;

/// <summary>
/// An addon that sees each flow once, when it is complete, as mitmdump's output and save do: an HTTP flow at
/// <c>response</c>, or at <c>error</c> when it failed before a response (one with a response was seen then); a TCP or
/// UDP flow at its end or error; a DNS flow at <c>dns_response</c>, or at <c>dns_error</c> without a response.
/// </summary>
internal abstract class CompletedFlowAddon : Addon
{
    public sealed override ValueTask ResponseAsync(HttpFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask ErrorAsync(HttpFlowContext context) => context.Flow.Response is null ? Complete(context.Flow) : default;

    public sealed override ValueTask TcpEndAsync(TcpFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask TcpErrorAsync(TcpFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask UdpEndAsync(UdpFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask UdpErrorAsync(UdpFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask DnsResponseAsync(DnsFlowContext context) => Complete(context.Flow);

    public sealed override ValueTask DnsErrorAsync(DnsFlowContext context) => context.Flow.Response is null ? Complete(context.Flow) : default;

    /// <summary>The flow is complete.</summary>
    protected abstract void Completed(Flow flow);

    private ValueTask Complete(Flow flow)
    {
        Completed(flow);
        return default;
    }
}
