namespace Addons.Session.Bench;

/// <summary>
/// One measurement of the table: (a) one transaction per flow, (b) the raw batched-insert baseline and its variants,
/// the store's own batch writes, and later (c) the Session addon pipeline from bus to committed rows.
/// </summary>
internal interface IBenchCase
{
    /// <summary>The name printed in the table.</summary>
    string Name { get; }

    /// <summary>Inserts up to <see cref="BenchInput.Rows"/> flows (or stops at <see cref="BenchInput.MaxDuration"/>) and reports the rate.</summary>
    BenchResult Run(BenchInput input);
}
