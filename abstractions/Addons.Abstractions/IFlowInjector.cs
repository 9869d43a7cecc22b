using Addons.Abstractions.Flows;

namespace Addons.Abstractions;

/// <summary>
/// Puts a flow through every addon's hooks as the proxy puts a captured one (mitmproxy's <c>master.load_flow</c>), so
/// that the View, the Session and any other addon handle it by their normal paths: <c>requestheaders</c>,
/// <c>request</c>, then with a response <c>responseheaders</c> and <c>response</c>, then for a WebSocket
/// <c>websocket_start</c>, one <c>websocket_message</c> per message and <c>websocket_end</c>, or else with an error
/// <c>error</c>; each hook followed by <c>update</c>. A request with neither response nor error gets one more
/// <c>update</c> once it is no longer live, so that addons keeping finished flows see it complete. A TCP or UDP flow
/// goes through <c>tcp_start</c> (<c>udp_start</c>), one <c>tcp_message</c> per message and <c>tcp_end</c>, or
/// <c>tcp_error</c> with an error; a DNS flow through <c>dns_request</c>, <c>dns_response</c> with a response and
/// <c>dns_error</c> with an error (contract 1.3). Test-traffic generators, flow-file readers and replays use it.
/// </summary>
public interface IFlowInjector
{
    /// <summary>
    /// Runs <paramref name="flow"/> through the hooks and returns once the last one has run. The flow is
    /// <see cref="Flow.Live"/> while its hooks run, as a captured flow is, and not after. An addon that intercepts it
    /// holds it as it would hold a captured flow; one that kills it ends the sequence.
    /// </summary>
    /// <returns>False when an addon killed the flow before its last hook.</returns>
    /// <exception cref="ArgumentException">The flow is of a type that cannot be injected (a host older than contract 1.3 takes HTTP flows only).</exception>
    ValueTask<bool> InjectAsync(Flow flow, CancellationToken cancellationToken = default);
}
