using System.Globalization;

namespace Addons.StreamTester;

/// <summary>
/// What a stream sends: its unit flow, its rate (or as fast as the system takes flows), how it is cut into bursts and
/// shared by producers, and when it ends. Built from the <c>streamtester_*</c> options, then overridden by the
/// <c>key=value</c> arguments of <c>streamtester.start</c>.
/// </summary>
internal sealed record StreamParameters
{
    /// <summary>The largest synthetic body: 16 MiB, so that a typo cannot ask for a stream of gigabyte flows.</summary>
    public const int MaxBodySize = 16 * 1024 * 1024;

    /// <summary>The most concurrent producers.</summary>
    public const int MaxProducers = 256;

    /// <summary>The keys <c>streamtester.start</c> accepts, each also an option named <c>streamtester_KEY</c>.</summary>
    public static readonly IReadOnlyList<string> Keys = ["rate", "period", "burst", "duration", "count", "body_size", "producers", "unit", "file", "output"];

    /// <summary>Flows per second over all producers, unless <see cref="Period"/> is set; null: as fast as the system takes them (<c>rate=max</c>).</summary>
    public double? Rate { get; init; } = 1000;

    /// <summary>The time between two bursts of each producer, instead of a rate; null: the rate decides.</summary>
    public TimeSpan? Period { get; init; }

    /// <summary>The flows per second the stream offers over all producers (null: as fast as the system takes them).</summary>
    public double? EffectiveRate => Period is { } period ? Burst * Producers / period.TotalSeconds : Rate;

    /// <summary>Flows each producer sends back to back at each tick.</summary>
    public int Burst { get; init; } = 1;

    /// <summary>How long the stream runs; null: until <see cref="Count"/> flows or a stop.</summary>
    public TimeSpan? Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many flows the stream sends in all; null: until <see cref="Duration"/> or a stop.</summary>
    public long? Count { get; init; }

    /// <summary>The synthetic unit flow's response body, in bytes.</summary>
    public int BodySize { get; init; } = 1024;

    /// <summary>Producers sending at once, each a share of the rate.</summary>
    public int Producers { get; init; } = 1;

    /// <summary>
    /// The unit flow: empty for a synthetic one, else a flow selector or filter the View resolves (<c>@id</c>,
    /// <c>~u /api</c>); with <see cref="File"/>, a filter choosing the file's entry.
    /// </summary>
    public string Unit { get; init; } = "";

    /// <summary>A flow file (mitmproxy's or HAR) whose first flow, or first flow <see cref="Unit"/> matches, is the unit flow; empty: none.</summary>
    public string File { get; init; } = "";

    /// <summary>The folder the result files go to; empty: the default, which <see cref="ResultsFolder"/> resolves.</summary>
    public string Output { get; init; } = "";

    /// <summary>The rate each producer keeps (null: as fast as it can).</summary>
    public double? RatePerProducer => EffectiveRate / Producers;

    /// <summary>The time between two bursts of one producer (null at <c>rate=max</c>).</summary>
    public TimeSpan? BurstPeriod => RatePerProducer is { } r ? TimeSpan.FromSeconds(Burst / r) : null;

    /// <summary>One line for logs and the status command.</summary>
    public string Describe()
    {
        var rate = EffectiveRate is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:N0} flows/s") : "as fast as the system takes them (rate=max)";
        var end = (Duration, Count) switch
        {
            ({ } d, { } c) => string.Create(CultureInfo.InvariantCulture, $"for {Format(d)} or {c:N0} flows, whichever comes first"),
            ({ } d, null) => $"for {Format(d)}",
            (null, { } c) => string.Create(CultureInfo.InvariantCulture, $"until {c:N0} flows"),
            _ => "until stopped",
        };
        var unit = File.Length > 0 ? $"the {(Unit.Length == 0 ? "first flow" : $"first flow matching '{Unit}'")} of {File}"
            : Unit.Length == 0 ? string.Create(CultureInfo.InvariantCulture, $"a synthetic flow with a {BodySize:N0}-byte body")
            : $"the flow '{Unit}'";
        return string.Create(CultureInfo.InvariantCulture, $"{rate} {end}, in bursts of {Burst} from {Producers} producer(s), duplicating {unit}");
    }

    /// <summary>
    /// These parameters with <paramref name="arguments"/> (<c>key=value</c> each) applied and checked.
    /// </summary>
    /// <exception cref="FormatException">An argument or the result is not valid; the message names the key and the value.</exception>
    public StreamParameters With(IEnumerable<string> arguments)
    {
        var result = this;
        foreach (var argument in arguments)
        {
            var equals = argument.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"Argument '{argument}' is not key=value; the keys are {string.Join(", ", Keys)}.");
            }

            result = result.With(argument[..equals].Trim(), argument[(equals + 1)..].Trim());
        }

        result.Validate();
        return result;
    }

    /// <summary>These parameters with one key set from text.</summary>
    /// <exception cref="FormatException">The key is unknown or the value is not valid for it.</exception>
    public StreamParameters With(string key, string value) => key switch
    {
        "rate" => this with { Rate = ParseRate(value), Period = null },
        "period" => this with { Period = ParsePeriod(value) },
        "burst" => this with { Burst = ParseInt(key, value) },
        "duration" => this with { Duration = ParseDuration(key, value) is { } d && d > TimeSpan.Zero ? d : null },
        "count" => this with { Count = ParseLong(key, value) is var c and > 0 ? c : null },
        "body_size" => this with { BodySize = ParseInt(key, value) },
        "producers" => this with { Producers = ParseInt(key, value) },
        "unit" => this with { Unit = value },
        "file" => this with { File = value },
        "output" => this with { Output = value },
        _ => throw new FormatException($"Unknown stream parameter '{key}'; the keys are {string.Join(", ", Keys)}."),
    };

    /// <summary>Checks the parameters together.</summary>
    /// <exception cref="FormatException">One is out of range; the message says which and why.</exception>
    public void Validate()
    {
        if (Rate is { } rate && (rate <= 0 || double.IsNaN(rate) || double.IsInfinity(rate)))
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"rate must be a positive number of flows per second or max, not {rate}."));
        }

        if (Burst < 1)
        {
            throw new FormatException($"burst must be at least 1 flow, not {Burst}.");
        }

        if (Producers is < 1 or > MaxProducers)
        {
            throw new FormatException($"producers must be from 1 to {MaxProducers}, not {Producers}.");
        }

        if (BodySize is < 0 or > MaxBodySize)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"body_size must be from 0 to {MaxBodySize:N0} bytes (16 MiB), not {BodySize:N0}."));
        }
    }

    /// <summary>A duration as the options write it back: <c>10s</c>, <c>250ms</c>, <c>2m30s</c>.</summary>
    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds < 1 ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.###}ms")
        : duration.TotalMinutes < 1 ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.###}s")
        : duration.ToString("c", CultureInfo.InvariantCulture);

    /// <summary>A rate: <c>max</c> or a positive number of flows per second.</summary>
    public static double? ParseRate(string value)
    {
        if (value.Equals("max", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate)
            ? rate
            : throw new FormatException($"rate '{value}' is neither a number of flows per second nor max.");
    }

    /// <summary>A duration such as <c>500ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c> or <c>00:00:10</c>.</summary>
    public static TimeSpan ParseDuration(string key, string value)
    {
        var text = value.Trim();
        foreach (var (suffix, unit) in new[] { ("ms", TimeSpan.FromMilliseconds(1)), ("s", TimeSpan.FromSeconds(1)), ("m", TimeSpan.FromMinutes(1)), ("h", TimeSpan.FromHours(1)) })
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
                && amount >= 0 && amount * unit.TotalMilliseconds < TimeSpan.MaxValue.TotalMilliseconds)
            {
                return amount * unit;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero
            ? span
            : throw new FormatException($"{key} '{value}' is not a duration such as 500ms, 10s, 2m or 00:00:10.");
    }

    private static TimeSpan? ParsePeriod(string value)
    {
        var period = ParseDuration("period", value);
        return period > TimeSpan.Zero ? period : throw new FormatException($"period must be longer than zero, not '{value}'.");
    }

    private static int ParseInt(string key, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"{key} '{value}' is not a whole number.");

    private static long ParseLong(string key, string value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"{key} '{value}' is not a whole number.");
}
