using Addons.Abstractions.Flows;

namespace Addons.Session.Bench;

/// <summary>What every case inserts: a pool of synthetic flows and their records, cycled until <see cref="Rows"/> rows.</summary>
/// <param name="Flows">The synthetic flows (a case that writes flows gives each row a fresh id).</param>
/// <param name="Records">The same flows encoded by <c>FlowCodec</c>, for the raw cases.</param>
/// <param name="Rows">How many rows each case inserts at most.</param>
/// <param name="MaxDuration">When a case stops even if it has not inserted <see cref="Rows"/> rows.</param>
/// <param name="Directory">Where the cases create (and delete) their database files.</param>
internal sealed record BenchInput(HttpFlow[] Flows, byte[][] Records, int Rows, TimeSpan MaxDuration, string Directory)
{
    /// <summary>When the first flow was created; row n is created n milliseconds later, so timestamps keep rising as the pool cycles.</summary>
    public DateTimeOffset Start { get; } = new(2024, 11, 26, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The average record size in bytes.</summary>
    public double AverageRecordBytes => Records.Average(r => r.Length);

    /// <summary>A fresh database path in <see cref="Directory"/>.</summary>
    public string NewDatabasePath(string name) => Path.Combine(Directory, $"{name}-{Guid.NewGuid():N}.sqlite");
}
