using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Addons.StreamTester;

/// <summary>What a stream measured: the totals, the latency percentiles and one row per second.</summary>
internal sealed record StreamResult
{
    public required StreamParameters Parameters { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>How long the producers ran, in seconds.</summary>
    public required double ProducingSeconds { get; init; }

    public required long Offered { get; init; }

    public required long Persisted { get; init; }

    /// <summary>Offered flows no storage reported by the end of the drain.</summary>
    public required long NotPersisted { get; init; }

    /// <summary>Reports of a flow already reported persisted (each flow should be persisted once).</summary>
    public required long Duplicates { get; init; }

    /// <summary>Flows the chain refused to take.</summary>
    public required long Failed { get; init; }

    public string? FirstFailure { get; init; }

    public required long Batches { get; init; }

    public required double MeanBatch { get; init; }

    public required int LargestBatch { get; init; }

    public required LatencySummary Latency { get; init; }

    public required int MaxQueueDepth { get; init; }

    public required long PeakManagedBytes { get; init; }

    public required long PeakWorkingSetBytes { get; init; }

    public required IReadOnlyList<SecondRow> Seconds { get; init; }

    /// <summary>Offered flows per second over the producing time.</summary>
    public double OfferedRate => ProducingSeconds > 0 ? Offered / ProducingSeconds : 0;

    /// <summary>
    /// Persisted flows per second from the start to the last commit that carried a flow of the stream: what storage
    /// kept up with (at <c>rate=max</c>, the saturation throughput).
    /// </summary>
    public double PersistedRate
    {
        get
        {
            var last = Seconds.LastOrDefault(s => s.Persisted > 0)?.Second ?? 0;
            return last > 0 ? Persisted / Math.Max(ProducingSeconds, last) : 0;
        }
    }

    /// <summary>The summary as a Markdown table, for the log and the console.</summary>
    public string SummaryTable()
    {
        var c = CultureInfo.InvariantCulture;
        var target = Parameters.EffectiveRate is { } r ? string.Create(c, $"{r:N0} flows/s") : "max";
        var rows = new (string, string)[]
        {
            ("stream", Parameters.Describe()),
            ("target rate", target),
            ("producing time", string.Create(c, $"{ProducingSeconds:N1} s")),
            ("offered", string.Create(c, $"{Offered:N0} flows, {OfferedRate:N0} flows/s")),
            ("persisted", string.Create(c, $"{Persisted:N0} flows, {PersistedRate:N0} flows/s")),
            ("not persisted", string.Create(c, $"{NotPersisted:N0}{(Failed > 0 ? $" ({Failed:N0} refused by the chain: {FirstFailure})" : "")}")),
            ("persisted twice", Duplicates.ToString("N0", c)),
            ("storage batches", string.Create(c, $"{Batches:N0}, {MeanBatch:N0} flows on average, largest {LargestBatch:N0}")),
            ("latency publish → commit", string.Create(c, $"p50 {Latency.P50:N1} ms, p95 {Latency.P95:N1} ms, p99 {Latency.P99:N1} ms, max {Latency.Max:N1} ms")),
            ("writer queue depth", string.Create(c, $"up to {MaxQueueDepth:N0}")),
            ("memory", string.Create(c, $"managed up to {PeakManagedBytes / 1048576.0:N0} MiB, working set up to {PeakWorkingSetBytes / 1048576.0:N0} MiB")),
        };
        var text = new StringBuilder("| measure | value |\n| --- | --- |\n");
        foreach (var (name, value) in rows)
        {
            text.Append(c, $"| {name} | {value} |\n");
        }

        return text.ToString();
    }

    /// <summary>Writes <c>NAME.json</c>, <c>NAME.csv</c> and <c>NAME.svg</c> into <paramref name="folder"/>; returns their paths.</summary>
    /// <exception cref="IOException">A file cannot be written; the message names it.</exception>
    public IReadOnlyList<string> Write(string folder, string name)
    {
        var paths = new[] { ".json", ".csv", ".svg" }.Select(e => Path.GetFullPath(Path.Combine(folder, name + e))).ToArray();
        try
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(paths[0], ToJson());
            File.WriteAllText(paths[1], ToCsv());
            File.WriteAllText(paths[2], ResultChart.Svg(this));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"The stream tester's results could not be written to {Path.GetFullPath(folder)}: {e.Message}", e);
        }

        return paths;
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        parameters = new
        {
            rate = Parameters.EffectiveRate,
            burst = Parameters.Burst,
            duration_seconds = Parameters.Duration?.TotalSeconds,
            count = Parameters.Count,
            body_size = Parameters.BodySize,
            producers = Parameters.Producers,
            unit = Parameters.Unit,
        },
        started_at = StartedAt,
        producing_seconds = ProducingSeconds,
        offered = Offered,
        offered_per_second = OfferedRate,
        persisted = Persisted,
        persisted_per_second = PersistedRate,
        not_persisted = NotPersisted,
        persisted_twice = Duplicates,
        refused = Failed,
        first_refusal = FirstFailure,
        batches = Batches,
        mean_batch = MeanBatch,
        largest_batch = LargestBatch,
        latency_ms = Latency,
        max_queue_depth = MaxQueueDepth,
        peak_managed_bytes = PeakManagedBytes,
        peak_working_set_bytes = PeakWorkingSetBytes,
        seconds = Seconds,
    }, JsonOptions);

    public string ToCsv()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder("second,offered,persisted,batches,latency_p50_ms,latency_p95_ms,latency_p99_ms,latency_max_ms,queue_depth,managed_bytes,working_set_bytes\n");
        foreach (var s in Seconds)
        {
            text.Append(c, $"{s.Second},{s.Offered},{s.Persisted},{s.Batches},{s.Latency.P50:0.###},{s.Latency.P95:0.###},{s.Latency.P99:0.###},{s.Latency.Max:0.###},{s.QueueDepth},{s.ManagedBytes},{s.WorkingSetBytes}\n");
        }

        return text.ToString();
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}
