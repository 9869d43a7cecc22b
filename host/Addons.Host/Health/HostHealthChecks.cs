using Addons.Abstractions.Health;
using Addons.Host.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Addons.Host.Health;

/// <summary>
/// The host's readiness, as .NET health checks: <c>proxy</c> (listening, unless <c>server</c> is off), <c>addons</c>
/// (loaded and running; degraded when a plugin that is not required failed), and each check an addon added
/// (<c>ADDON.NAME</c>, such as <c>session.writable</c>), each bounded by <see cref="CheckTimeout"/>.
/// </summary>
internal sealed class HostHealthChecks(ProxyServer server, ProxyAddon proxy, HostReadiness readiness, AddonHealthChecks addons)
{
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

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
        var checks = addons.All;
        if (checks.Count == 0)
        {
            return HealthCheckResult.Healthy("No addon has a health check.");
        }

        var results = await Task.WhenAll(checks.Select(c => RunAsync(c, cancellationToken))).ConfigureAwait(false);
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (check, result) in checks.Zip(results))
        {
            data[check.Name] = $"{result.Status}: {result.Description}";
        }

        var worst = results.Min(r => r.Status);
        var description = string.Join(" ", checks.Zip(results).Where(p => p.Second.Status == worst).Select(p => $"{p.First.Name}: {p.Second.Description}"));
        return new HealthCheckResult((HealthStatus)(int)worst, description, data: data);
    }

    private static async Task<AddonHealth> RunAsync(AddonHealthChecks.Registered check, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            return await check.Check(timeout.Token).AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AddonHealth.Unhealthy($"The check did not answer within {CheckTimeout.TotalSeconds:0} s.");
        }
        catch (Exception ex)
        {
            return AddonHealth.Unhealthy($"The check failed: {ex.Message}");
        }
    }

    /// <summary>A health check from a function.</summary>
    private sealed class Check(Func<CancellationToken, ValueTask<HealthCheckResult>> check) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            check(cancellationToken).AsTask();
    }
}
