namespace Addons.Abstractions.Health;

/// <summary>How well an addon can do its job, worst first (the order of .NET's health checks).</summary>
public enum AddonHealthStatus
{
    /// <summary>It cannot do its job: the host is not ready (a session that cannot be written).</summary>
    Unhealthy = 0,

    /// <summary>It works, but less well than it should (a queue near its bound).</summary>
    Degraded = 1,

    /// <summary>It works.</summary>
    Healthy = 2,
}
