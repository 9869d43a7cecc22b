using System.Text.Json.Serialization;

namespace Addons.StreamTester;

/// <summary>
/// What <c>streamtester.progress</c> answers: the stream's state and totals, and the seconds completed after the one
/// the caller already has, so that a live chart fetches each second once.
/// </summary>
internal sealed record StreamProgress
{
    /// <summary><c>idle</c> (no stream started), <c>running</c>, <c>draining</c> (producers done, storage reporting) or <c>finished</c>.</summary>
    [JsonPropertyName("state")]
    public required string State { get; init; }

    /// <summary>When the stream started, in Unix milliseconds: a new value means a new stream.</summary>
    [JsonPropertyName("startedAt")]
    public long? StartedAt { get; init; }

    [JsonPropertyName("stream")]
    public string? Stream { get; init; }

    [JsonPropertyName("elapsedSeconds")]
    public double ElapsedSeconds { get; init; }

    [JsonPropertyName("offered")]
    public long Offered { get; init; }

    [JsonPropertyName("persisted")]
    public long Persisted { get; init; }

    [JsonPropertyName("seconds")]
    public IReadOnlyList<ProgressSecond> Seconds { get; init; } = [];
}

/// <summary>One completed second: flows offered and persisted in it, the latency of those persisted, the writer's queue.</summary>
internal sealed record ProgressSecond(
    [property: JsonPropertyName("second")] int Second,
    [property: JsonPropertyName("offered")] long Offered,
    [property: JsonPropertyName("persisted")] long Persisted,
    [property: JsonPropertyName("latencyP50")] double LatencyP50,
    [property: JsonPropertyName("latencyP99")] double LatencyP99,
    [property: JsonPropertyName("queueDepth")] int QueueDepth)
{
    public static ProgressSecond Of(SecondRow row) =>
        new(row.Second, row.Offered, row.Persisted, Math.Round(row.Latency.P50, 2), Math.Round(row.Latency.P99, 2), row.QueueDepth);
}
