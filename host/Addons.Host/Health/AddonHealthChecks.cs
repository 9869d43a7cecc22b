using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Addons.Abstractions.Health;

namespace Addons.Host.Health;

/// <summary>The health checks addons added in <c>load</c> (<c>IAddonLoader.AddHealthCheck</c>), by owner; they go when it unloads.</summary>
internal sealed partial class AddonHealthChecks
{
    private readonly ConcurrentDictionary<string, Registered> _checks = new(StringComparer.Ordinal);

    /// <summary>One check: <c>ADDON.NAME</c>, its owner and what it runs.</summary>
    public sealed record Registered(string Name, string Owner, Func<CancellationToken, ValueTask<AddonHealth>> Check);

    /// <summary>The checks, by name.</summary>
    public IReadOnlyList<Registered> All => [.. _checks.Values.OrderBy(c => c.Name, StringComparer.Ordinal)];

    /// <summary>How long one check may take before it counts as unhealthy.</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs every check at once, each bounded by <see cref="CheckTimeout"/>; one that throws or overruns is unhealthy,
    /// with why. The results are in the order of <see cref="All"/>.
    /// </summary>
    public async Task<IReadOnlyList<(Registered Check, AddonHealth Health)>> RunAllAsync(CancellationToken cancellationToken)
    {
        var checks = All;
        var results = await Task.WhenAll(checks.Select(c => RunAsync(c, cancellationToken))).ConfigureAwait(false);
        return [.. checks.Zip(results)];
    }

    private static async Task<AddonHealth> RunAsync(Registered check, CancellationToken cancellationToken)
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
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return AddonHealth.Unhealthy($"The check failed: {ex.Message}");
        }
    }

    public void Add(string owner, string name, Func<CancellationToken, ValueTask<AddonHealth>> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        if (!CheckName().IsMatch(name ?? ""))
        {
            throw new ArgumentException($"Addon '{owner}': health check name '{name}' must be lower_snake_case, such as writable.", nameof(name));
        }

        var full = $"{owner}.{name}";
        if (!_checks.TryAdd(full, new Registered(full, owner, check)))
        {
            throw new ArgumentException($"Addon '{owner}' already has a health check named '{name}'.", nameof(name));
        }
    }

    public void RemoveOwner(string owner) => Detach(owner);

    /// <summary>Takes the owner's checks out and returns them, for a reload that may put them back.</summary>
    public IReadOnlyList<Registered> Detach(string owner)
    {
        var removed = new List<Registered>();
        foreach (var check in _checks.Values.Where(c => c.Owner == owner))
        {
            if (_checks.TryRemove(check.Name, out var taken))
            {
                removed.Add(taken);
            }
        }

        return removed;
    }

    /// <summary>Puts back checks <see cref="Detach"/> took out.</summary>
    public void Restore(IEnumerable<Registered> checks)
    {
        foreach (var check in checks)
        {
            _checks[check.Name] = check;
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex CheckName();
}
