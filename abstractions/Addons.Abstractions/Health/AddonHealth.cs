namespace Addons.Abstractions.Health;

/// <summary>What an addon's health check found: a status and one sentence an operator can act on.</summary>
/// <remarks>Not positional, so that it can gain properties in a minor version of the contract.</remarks>
public sealed record AddonHealth
{
    /// <summary>How well the addon can do its job.</summary>
    public required AddonHealthStatus Status { get; init; }

    /// <summary>One sentence, such as "Writing /var/lib/addons-host/flows.session: 12 flows queued."</summary>
    public required string Description { get; init; }

    /// <summary>The addon works.</summary>
    public static AddonHealth Healthy(string description) => new() { Status = AddonHealthStatus.Healthy, Description = description };

    /// <summary>The addon works, less well than it should.</summary>
    public static AddonHealth Degraded(string description) => new() { Status = AddonHealthStatus.Degraded, Description = description };

    /// <summary>The addon cannot do its job.</summary>
    public static AddonHealth Unhealthy(string description) => new() { Status = AddonHealthStatus.Unhealthy, Description = description };
}
