using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;

[assembly: AddonEntryPoint(typeof(Thrower.ThrowerAddon))]

namespace Thrower;

/// <summary>Throws in every hook after load, and in its event-bus subscriber.</summary>
public sealed class ThrowerAddon : Addon
{
    public override void Load(IAddonLoader loader) =>
        loader.Bus.Subscribe<HttpFlow>(_ => throw new InvalidOperationException("thrower subscriber failed"));

    public override ValueTask ConfigureAsync(ConfigureContext context) => throw Fail("configure");

    public override ValueTask RunningAsync(LifecycleContext context) => throw Fail("running");

    public override ValueTask DoneAsync(LifecycleContext context) => throw Fail("done");

    public override ValueTask ClientConnectedAsync(ClientConnectionContext context) => throw Fail("client_connected");

    public override ValueTask ClientDisconnectedAsync(ClientConnectionContext context) => throw Fail("client_disconnected");

    public override ValueTask ServerConnectAsync(ServerConnectionContext context) => throw Fail("server_connect");

    public override ValueTask ServerConnectedAsync(ServerConnectionContext context) => throw Fail("server_connected");

    public override ValueTask ServerDisconnectedAsync(ServerConnectionContext context) => throw Fail("server_disconnected");

    // Asynchronous failures too: the exception surfaces when the ValueTask is awaited, not when the hook is called.
    public override async ValueTask RequestHeadersAsync(HttpFlowContext context)
    {
        await Task.Yield();
        throw Fail("requestheaders");
    }

    public override ValueTask RequestAsync(HttpFlowContext context) => throw Fail("request");

    public override ValueTask ResponseHeadersAsync(HttpFlowContext context) => throw Fail("responseheaders");

    public override ValueTask ResponseAsync(HttpFlowContext context) => throw Fail("response");

    public override ValueTask ErrorAsync(HttpFlowContext context) => throw Fail("error");

    public override ValueTask HttpConnectAsync(HttpFlowContext context) => throw Fail("http_connect");

    public override ValueTask TlsClientHelloAsync(TlsClientHelloContext context) => throw Fail("tls_clienthello");

    public override ValueTask TlsEstablishedAsync(TlsContext context) => throw Fail("tls_established");

    public override ValueTask TlsFailedAsync(TlsContext context) => throw Fail("tls_failed");

    public override ValueTask WebSocketStartAsync(HttpFlowContext context) => throw Fail("websocket_start");

    public override ValueTask WebSocketMessageAsync(HttpFlowContext context) => throw Fail("websocket_message");

    public override ValueTask WebSocketEndAsync(HttpFlowContext context) => throw Fail("websocket_end");

    public override ValueTask UpdateAsync(UpdateContext context) => throw Fail("update");

    private static InvalidOperationException Fail(string hook) => new($"thrower failed in {hook}");
}
