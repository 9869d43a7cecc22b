namespace Timings.Messages;

/// <summary>Published by the Timer addon for every response: how long the server took.</summary>
/// <remarks>A class with properties, not a positional record, so that it can gain members without breaking its readers.</remarks>
public sealed class FlowTimed
{
    public required string Url { get; init; }

    public required int StatusCode { get; init; }

    public required double Milliseconds { get; init; }
}
