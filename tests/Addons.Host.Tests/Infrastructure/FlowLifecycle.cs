using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Host.Chain;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>Drives the chain through the hooks the proxy fires for one connection and flow, as the engine will.</summary>
internal static class FlowLifecycle
{
    public static HttpFlow NewFlow(string url)
    {
        var uri = new Uri(url);
        var flow = new HttpFlow { Live = true };
        flow.Request.Scheme = uri.Scheme;
        flow.Request.Host = uri.Host;
        flow.Request.Port = uri.Port;
        flow.Request.Path = uri.PathAndQuery;
        flow.Request.Headers.Add("Host", uri.Authority);
        flow.Request.TimestampStart = DateTimeOffset.UtcNow;
        return flow;
    }

    /// <summary>Every hook once: connection, TLS, HTTP with a response, WebSocket, error, then disconnects.</summary>
    public static async Task RunEveryHookAsync(AddonChain chain, HttpFlow flow)
    {
        var ct = CancellationToken.None;
        var client = flow.Client;
        var server = flow.Server;
        await chain.InvokeAsync(Hook.ClientConnected, new ClientConnectionContext(client, ct));
        await chain.HandleFlowAsync(Hook.HttpConnect, new HttpFlowContext(flow, ct));
        await chain.InvokeAsync(Hook.TlsClientHello, new TlsClientHelloContext(client, server, new ClientHello { Sni = flow.Request.Host, AlpnProtocols = ["http/1.1"], CipherSuites = [] }, ct));
        await chain.InvokeAsync(Hook.TlsEstablished, new TlsContext(client, server, true, ct));
        await chain.InvokeAsync(Hook.TlsFailed, new TlsContext(client, server, false, ct));
        await RunRequestResponseAsync(chain, flow);
        await chain.HandleFlowAsync(Hook.WebSocketStart, new HttpFlowContext(flow, ct));
        await chain.HandleFlowAsync(Hook.WebSocketMessage, new HttpFlowContext(flow, ct));
        await chain.HandleFlowAsync(Hook.WebSocketEnd, new HttpFlowContext(flow, ct));
        await chain.HandleFlowAsync(Hook.Error, new HttpFlowContext(flow, ct));
        await chain.InvokeAsync(Hook.ServerDisconnected, new ServerConnectionContext(client, server, ct));
        await chain.InvokeAsync(Hook.ClientDisconnected, new ClientConnectionContext(client, ct));
    }

    /// <summary>requestheaders, request, server connect, responseheaders and response, each followed by update.</summary>
    public static async Task RunRequestResponseAsync(AddonChain chain, HttpFlow flow)
    {
        var ct = CancellationToken.None;
        await chain.HandleFlowAsync(Hook.RequestHeaders, new HttpFlowContext(flow, ct));
        await chain.HandleFlowAsync(Hook.Request, new HttpFlowContext(flow, ct));
        await chain.InvokeAsync(Hook.ServerConnect, new ServerConnectionContext(flow.Client, flow.Server, ct));
        await chain.InvokeAsync(Hook.ServerConnected, new ServerConnectionContext(flow.Client, flow.Server, ct));
        flow.Response = HttpResponse.Create(200, "ok");
        await chain.HandleFlowAsync(Hook.ResponseHeaders, new HttpFlowContext(flow, ct));
        await chain.HandleFlowAsync(Hook.Response, new HttpFlowContext(flow, ct));
    }
}
