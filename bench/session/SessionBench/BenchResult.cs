namespace Addons.Session.Bench;

/// <summary>What one case measured.</summary>
/// <param name="Name">The case, as printed.</param>
/// <param name="Flows">How many flows were committed.</param>
/// <param name="Elapsed">How long committing them took (setup excluded).</param>
/// <param name="FileBytes">The database's size afterwards (main file plus WAL).</param>
internal sealed record BenchResult(string Name, long Flows, TimeSpan Elapsed, long FileBytes)
{
    public double FlowsPerSecond => Flows / Elapsed.TotalSeconds;
}
