using Addons.Abstractions.Health;

namespace Addons.Session;

/// <summary>
/// The session's readiness check (<c>session.writable</c>): unhealthy when flows are not persisted (the file could not
/// be opened, or a write failed), degraded when the fleet store is down (flows go to the spill file) or the queue is
/// nearly full (the proxy is about to wait for the writer).
/// </summary>
internal static class SessionHealth
{
    /// <summary>The share of the queue past which the check reports degraded.</summary>
    private const double NearlyFull = 0.9;

    /// <param name="fleetDown">While the fleet store does not take writes: why, and where the flows go instead.</param>
    public static AddonHealth Of(SessionWriter? writer, int queueCapacity, string? notPersisting, string? fleetDown = null)
    {
        if (writer is null)
        {
            return AddonHealth.Unhealthy($"Flows are not persisted: {notPersisting ?? "the session is not open yet."}");
        }

        var path = writer.WithStore(store => store.Path);
        if (writer.Failure is { } failure)
        {
            return AddonHealth.Unhealthy($"Writing {path} failed: {failure}");
        }

        if (fleetDown is not null)
        {
            return AddonHealth.Degraded(fleetDown);
        }

        var depth = writer.QueueDepth;
        return depth >= queueCapacity * NearlyFull
            ? AddonHealth.Degraded($"{depth} of {queueCapacity} flows wait to be written to {path}; the proxy waits for the writer when the queue is full.")
            : AddonHealth.Healthy($"Writing {path}: {depth} flow(s) queued, {writer.Written} written.");
    }
}
