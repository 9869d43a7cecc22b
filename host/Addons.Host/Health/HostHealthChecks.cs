using Addons.Host.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Addons.Host.Health;

/// <summary>
/// The host's readiness, as .NET health checks: <c>proxy</c> (listening, unless <c>server</c> is off), <c>addons</c>
/// (loaded and running; degraded when a plugin that is not required failed), and each check an addon added
/// (<c>ADDON.NAME</c>, such as <c>session.writable</c>), each bounded by <see cref="AddonHealthChecks.CheckTimeout"/>.
/// </summary>
internal sealed class HostHealthChecks(ProxyServer server, ProxyAddon proxy, HostReadiness readiness, AddonHealthChecks addons)
{
    /// <summary>Adds the checks to a health-check builder (the control endpoint's).</summary>
    public void AddTo(IHealthChecksBuilder builder)
    {
        builder.AddCheck("proxy", new Check(_ => ValueTask.FromResult(Proxy())), tags: ["ready"]);
        builder.AddCheck("addons", new Check(_ => ValueTask.FromResult(Addons())), tags: ["ready"]);
        builder.AddCheck("addon_checks", new Check(AddonChecksAsync), tags: ["ready"]);
    }

    private HealthCheckResult Proxy()
    {
        if (!proxy.Settings.Server)
        {
            return HealthCheckResult.Healthy("The proxy does not listen (server is false); the addons run on flows from elsewhere.");
        }

        return server.EndPoint is { } endPoint
            ? HealthCheckResult.Healthy($"Listening at {endPoint}.")
            : HealthCheckResult.Unhealthy("The proxy is not listening.");
    }

    private HealthCheckResult Addons()
    {
        if (readiness.Stopping)
        {
            return HealthCheckResult.Unhealthy("The host is stopping.");
        }

        if (!readiness.Running)
        {
            return HealthCheckResult.Unhealthy("The addons are not running yet.");
        }

        var failures = readiness.Failures;
        return failures.Count == 0
            ? HealthCheckResult.Healthy("Every enabled plugin is loaded and running.")
            : HealthCheckResult.Degraded(string.Join(" ", failures));
    }

    /// <summary>Every addon's checks, run together; the worst status wins, and each is in the data by name.</summary>
    private async ValueTask<HealthCheckResult> AddonChecksAsync(CancellationToken cancellationToken)
    {
        var results = await addons.RunAllAsync(cancellationToken).ConfigureAwait(false);
        if (results.Count == 0)
        {
            return HealthCheckResult.Healthy("No addon has a health check.");
        }

        var data = results.ToDictionary(r => r.Check.Name, r => (object)$"{r.Health.Status}: {r.Health.Description}", StringComparer.Ordinal);
        var worst = results.Min(r => r.Health.Status);
        var description = string.Join(" ", results.Where(r => r.Health.Status == worst).Select(r => $"{r.Check.Name}: {r.Health.Description}"));
        return new HealthCheckResult((HealthStatus)(int)worst, description, data: data);
    }

    /// <summary>A health check from a function.</summary>
    private sealed class Check(Func<CancellationToken, ValueTask<HealthCheckResult>> check) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            check(cancellationToken).AsTask();
    }
}
