namespace Addons.Bridge;

/// <summary>What the bridge promises about a message between hosts (bridge_delivery).</summary>
internal enum BridgeDelivery
{
    /// <summary>
    /// Core NATS: a message reaches the hosts connected when it is sent, once; a host that is down or disconnected
    /// then never gets it.
    /// </summary>
    AtMostOnce,

    /// <summary>
    /// JetStream: a message is stored in a stream once the server acknowledges it, and every host has a durable consumer
    /// that gets it until the host acknowledges it, also after a restart or an outage. A message may arrive twice (an
    /// acknowledgement lost on the way), so handlers must be idempotent; the bridge drops the repeats it recognizes.
    /// </summary>
    AtLeastOnce,
}
