using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;

namespace Addons.Testing;

/// <summary>The host's hooks by the names a test gives them, and the contexts <see cref="AddonTestHost.InvokeAsync(string, Flow, CancellationToken)"/> makes for a flow.</summary>
internal static class HookNames
{
    /// <summary>The hook named <paramref name="name"/> (mitmproxy's name or the method's), checked against the context type when one is given.</summary>
    public static HookDescriptor Find(string name, Type? contextType)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var descriptor = HookTable.All.FirstOrDefault(h => h.Name == name || h.MethodName == name)
            ?? throw new ArgumentException($"'{name}' is not a hook; the hooks are {string.Join(", ", HookTable.All.Select(h => h.Name))}.", nameof(name));
        if (contextType is not null && !descriptor.ContextType.IsAssignableFrom(contextType))
        {
            throw new ArgumentException($"Hook '{descriptor.Name}' takes a {descriptor.ContextType.Name}, not a {contextType.Name}.", "context");
        }

        return descriptor;
    }

    /// <summary>The flow a context is about, for the chain's log of a hook's failure.</summary>
    public static Flow? FlowOf(HookContext context) => context switch
    {
        HttpFlowContext http => http.Flow,
        TcpFlowContext tcp => tcp.Flow,
        UdpFlowContext udp => udp.Flow,
        DnsFlowContext dns => dns.Flow,
        UpdateContext { Flows.Count: 1 } update => update.Flows[0],
        _ => null,
    };

    /// <summary>The context of <paramref name="hook"/> about <paramref name="flow"/>, or why the hook is not about such a flow.</summary>
    public static HookContext ContextFor(HookDescriptor hook, Flow flow, CancellationToken cancellationToken) => (hook.ContextType.Name, flow) switch
    {
        (nameof(HttpFlowContext), HttpFlow http) => new HttpFlowContext(http, cancellationToken),
        (nameof(TcpFlowContext), TcpFlow tcp) => new TcpFlowContext(tcp, cancellationToken),
        (nameof(UdpFlowContext), UdpFlow udp) => new UdpFlowContext(udp, cancellationToken),
        (nameof(DnsFlowContext), DnsFlow dns) => new DnsFlowContext(dns, cancellationToken),
        (nameof(UpdateContext), _) => new UpdateContext([flow], cancellationToken),
        (nameof(ClientConnectionContext), _) => new ClientConnectionContext(flow.Client, cancellationToken),
        (nameof(ServerConnectionContext), _) => new ServerConnectionContext(flow.Client, flow.Server, cancellationToken),
        _ => throw new ArgumentException(
            $"Hook '{hook.Name}' takes a {hook.ContextType.Name}, which is not made from a {flow.Type} flow; give InvokeAsync the context itself.", nameof(flow)),
    };
}
