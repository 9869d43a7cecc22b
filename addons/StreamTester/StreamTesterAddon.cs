using System.Globalization;
using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Events;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Abstractions.Storage;
using Microsoft.Extensions.Logging;

[assembly: AddonEntryPoint(typeof(Addons.StreamTester.StreamTesterAddon))]

namespace Addons.StreamTester;

/// <summary>
/// Pushes a constant, parameterized stream of duplicates of one unit flow through the hooks, as captured flows go,
/// and measures what storage makes of it: offered and persisted flows per second, latency from publication to commit,
/// storage batches, the writer's queue and memory. Progress is logged every second; at the end a summary table is
/// logged and JSON, CSV and SVG results are written. <c>streamtester.start</c>, <c>.stop</c> and <c>.status</c> drive
/// it; with <c>streamtester_autostart</c> and <c>streamtester_exit</c> the host runs one stream and exits.
/// </summary>
public sealed partial class StreamTesterAddon : Addon
{
    private const int MaxProgressSeconds = 600;
    private readonly Lock _gate = new();
    private ILogger _logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private IAddonLoader? _loader;
    private IOption<string> _rate = null!;
    private IOption<TimeSpan> _period = null!;
    private IOption<int> _burst = null!;
    private IOption<TimeSpan> _duration = null!;
    private IOption<long> _count = null!;
    private IOption<int> _bodySize = null!;
    private IOption<int> _producers = null!;
    private IOption<string> _unit = null!;
    private IOption<string> _file = null!;
    private IOption<string> _output = null!;
    private IOption<bool> _autostart = null!;
    private IOption<bool> _exit = null!;
    private volatile StreamRun? _run;
    private Task<StreamResult>? _finished;
    private CancellationTokenSource? _progress;

    /// <summary>The clock of the streams' pacing and measurements (tests give a fake one).</summary>
    internal TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>The stream running or last run.</summary>
    internal StreamRun? Run => _run;

    /// <summary>Completes with the result when the current stream has finished and its files are written.</summary>
    internal Task<StreamResult>? Finished => _finished;

    /// <inheritdoc />
    public override void Load(IAddonLoader loader)
    {
        _loader = loader;
        _logger = loader.Logger;
        var defaults = new StreamParameters();
        _rate = loader.AddOption("streamtester_rate", "1000", "Flows per second the stream offers, over all producers, or max to find the saturation point.");
        _period = loader.AddOption("streamtester_period", TimeSpan.Zero, "Instead of a rate: the time between two bursts of each producer (0: the rate decides).");
        _burst = loader.AddOption("streamtester_burst", defaults.Burst, "Flows each producer sends back to back at each tick.");
        _duration = loader.AddOption("streamtester_duration", defaults.Duration!.Value, "How long a stream runs (0: until streamtester_count flows or streamtester.stop).");
        _count = loader.AddOption("streamtester_count", 0L, "How many flows a stream sends in all (0: until streamtester_duration or streamtester.stop).");
        _bodySize = loader.AddOption("streamtester_body_size", defaults.BodySize, "The synthetic unit flow's response body in bytes (at most 16 MiB).");
        _producers = loader.AddOption("streamtester_producers", defaults.Producers, "Producers sending at once, each a share of the rate.");
        _unit = loader.AddOption("streamtester_unit", "", "The flow to duplicate: empty for a synthetic one, or a flow selector or filter of the View (@<id>, ~u /api).");
        _file = loader.AddOption("streamtester_file", "", "A flow file (mitmproxy's or HAR) whose first flow, or first flow matching streamtester_unit, is the unit flow.");
        _output = loader.AddOption("streamtester_output", defaults.Output,
            "The folder the JSON, CSV and SVG results of each stream go to; empty: streamtester/ in the host's confdir (~/.addons/streamtester), or addons-streamtester/ in the temporary folder without one.");
        _autostart = loader.AddOption("streamtester_autostart", false, "Start a stream with these options once the host is running.");
        _exit = loader.AddOption("streamtester_exit", false, "Stop the host when the autostarted stream has finished and its results are written (headless runs).");

        // Storage reports each batch it committed; following it off the writer's thread keeps the measurement from
        // slowing what it measures. Nothing is dropped: a full queue makes the writer wait.
        loader.Bus.Subscribe<FlowsPersisted>(
            (persisted, _) =>
            {
                _run?.OnPersisted(persisted);
                return default;
            },
            new AsyncSubscriptionOptions { Capacity = 4096, Policy = BackpressurePolicy.Wait });

        loader.AddCommand("streamtester.start", (string[] arguments, CancellationToken ct) => StartAsync(arguments, ct),
            "Start a stream; key=value arguments (rate, period, burst, duration, count, body_size, producers, unit, file, output) override the streamtester_* options.");
        loader.AddCommand("streamtester.stop", (CancellationToken ct) => StopAsync(ct), "Stop the running stream, wait for storage to report its flows, and return the summary.");
        loader.AddCommand("streamtester.status", () => Status(), "What the stream is doing: its parameters, flows offered and persisted, the last second.");
        loader.AddCommand("streamtester.progress", (int since) => Progress(since),
            $"The stream's state and totals and, for a live chart, the completed seconds after this one (0 for all; at most the last {MaxProgressSeconds}) with their rates, latency and queue, as a structured result.");
    }

    /// <inheritdoc />
    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        try
        {
            _ = FromOptions();
        }
        catch (FormatException e)
        {
            context.Reject($"streamtester: {e.Message}");
        }

        return default;
    }

    /// <inheritdoc />
    public override async ValueTask RunningAsync(LifecycleContext context)
    {
        if (!_autostart.Value)
        {
            return;
        }

        try
        {
            var started = await StartAsync([], context.CancellationToken).ConfigureAwait(false);
            LogStarted(_logger, started);
            _ = ExitWhenFinishedAsync();
        }
        catch (CommandException e)
        {
            LogNotStarted(_logger, e.Message);
            if (_exit.Value)
            {
                await ShutdownAsync().ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public override async ValueTask DoneAsync(LifecycleContext context)
    {
        // A stream still running ends here, measured to the flows storage reports before it stops in turn.
        if (_run is { } run && _finished is { } finished)
        {
            run.Stop();
            await finished.ConfigureAwait(false);
        }
    }

    /// <summary>The stream's parameters from the options.</summary>
    /// <exception cref="FormatException">An option is not valid.</exception>
    internal StreamParameters FromOptions()
    {
        var parameters = new StreamParameters
        {
            Rate = StreamParameters.ParseRate(_rate.Value),
            Period = _period.Value > TimeSpan.Zero ? _period.Value : null,
            Burst = _burst.Value,
            Duration = _duration.Value > TimeSpan.Zero ? _duration.Value : null,
            Count = _count.Value > 0 ? _count.Value : null,
            BodySize = _bodySize.Value,
            Producers = _producers.Value,
            Unit = _unit.Value,
            File = _file.Value,
            Output = _output.Value,
        };
        parameters.Validate();
        return parameters;
    }

    private async Task<string> StartAsync(string[] arguments, CancellationToken cancellationToken)
    {
        StreamParameters parameters;
        try
        {
            parameters = FromOptions().With(arguments);
            parameters = parameters with { Output = ResultsFolder.Resolve(parameters.Output, DataFolder()) };
        }
        catch (FormatException e)
        {
            throw new CommandException($"No stream was started: {e.Message}", e);
        }

        var unit = await UnitAsync(parameters, cancellationToken).ConfigureAwait(false);
        IFlowInjector injector;
        try
        {
            injector = _loader!.Flows;
        }
        catch (NotSupportedException e)
        {
            throw new CommandException($"No stream was started: {e.Message}", e);
        }

        lock (_gate)
        {
            if (_finished is { IsCompleted: false })
            {
                throw new CommandException($"A stream is already running ({_run!.Parameters.Describe()}); stop it with streamtester.stop first.");
            }

            var run = new StreamRun(parameters, unit, injector, Time);
            _run = run;
            _progress = new CancellationTokenSource();
            run.Start();
            _ = ReportProgressAsync(run, _progress.Token);
            _finished = FinishAsync(run);
        }

        return $"Stream started: {parameters.Describe()}.";
    }

    private async Task<string> StopAsync(CancellationToken cancellationToken)
    {
        if (_run is not { } run || _finished is not { } finished)
        {
            throw new CommandException("No stream has been started; start one with streamtester.start.");
        }

        run.Stop();
        var result = await finished.WaitAsync(cancellationToken).ConfigureAwait(false);
        return result.SummaryTable();
    }

    private string Status()
    {
        if (_run is not { } run || _finished is not { } finished)
        {
            return "No stream has been started.";
        }

        var state = finished.IsCompleted ? "finished" : run.ProducingTime is null ? "running" : "waiting for storage to report its last flows";
        var last = run.LastSecond() is { } second
            ? string.Create(CultureInfo.InvariantCulture, $"; last second: offered {second.Offered:N0}, persisted {second.Persisted:N0}, latency p99 {second.Latency.P99:N1} ms, queue {second.QueueDepth:N0}")
            : "";
        return string.Create(CultureInfo.InvariantCulture, $"Stream {state} after {run.Elapsed.TotalSeconds:N1} s ({run.Parameters.Describe()}): offered {run.Offered:N0}, persisted {run.Persisted:N0}{last}.");
    }

    private StreamProgress Progress(int since)
    {
        if (_run is not { } run || _finished is not { } finished)
        {
            return new StreamProgress { State = "idle" };
        }

        return new StreamProgress
        {
            State = finished.IsCompleted ? "finished" : run.ProducingTime is null ? "running" : "draining",
            StartedAt = run.StartedAt.ToUnixTimeMilliseconds(),
            Stream = run.Parameters.Describe(),
            ElapsedSeconds = Math.Round(run.Elapsed.TotalSeconds, 1),
            Offered = run.Offered,
            Persisted = run.Persisted,
            Seconds = [.. run.SecondsAfter(since, MaxProgressSeconds).Select(ProgressSecond.Of)],
        };
    }

    /// <summary>The host's data folder: the value of the <c>confdir</c> option if an addon (the host's proxy) declares it.</summary>
    private string? DataFolder() => _loader?.Options.Find(ResultsFolder.DataFolderOption)?.CurrentValue as string;

    /// <summary>The unit flow: from a flow file, a synthetic one, or the first flow the View resolves for the selector or filter.</summary>
    private async Task<HttpFlow> UnitAsync(StreamParameters parameters, CancellationToken cancellationToken)
    {
        if (parameters.File.Length > 0)
        {
            try
            {
                return HarUnit.Read(_loader!.FlowFiles, parameters.File, parameters.Unit.Length == 0 ? null : _loader.Filters.Parse(parameters.Unit));
            }
            catch (Exception e) when (e is FormatException or FlowFilterException)
            {
                throw new CommandException($"No stream was started: {e.Message}", e);
            }
        }

        if (parameters.Unit.Length == 0)
        {
            return UnitFlow.Synthetic(parameters.BodySize, Time.GetUtcNow());
        }

        const string Resolve = "view.flows.resolve";
        if (_loader!.Commands.Find(Resolve) is null)
        {
            throw new CommandException($"No stream was started: the unit flow '{parameters.Unit}' is looked up with {Resolve}, and no View addon is loaded to provide it.");
        }

        object? resolved;
        try
        {
            resolved = await _loader.Commands.CallAsync(Resolve, [parameters.Unit], cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException e)
        {
            throw new CommandException($"No stream was started: unit flow '{parameters.Unit}': {e.Message}", e);
        }

        return (resolved as IEnumerable<Flow>)?.OfType<HttpFlow>().FirstOrDefault()
            ?? throw new CommandException($"No stream was started: unknown unit flow '{parameters.Unit}': no HTTP flow of the View matches it.");
    }

    /// <summary>Waits for the producers and for storage, then logs the summary and writes the result files.</summary>
    private async Task<StreamResult> FinishAsync(StreamRun run)
    {
        await run.Producing.ConfigureAwait(false);
        LogProduced(_logger, run.Offered, run.ProducingTime!.Value.TotalSeconds);
        await run.DrainAsync(CancellationToken.None).ConfigureAwait(false);
        _progress?.Cancel();
        var result = run.Result();
        LogSummaryTitle(_logger);
        foreach (var line in result.SummaryTable().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // A line each: the console logger writes an entry on one line, and a table needs its rows.
            LogSummary(_logger, line);
        }

        if (result.NotPersisted > 0)
        {
            LogNotPersisted(_logger, result.NotPersisted, StreamRun.DrainQuiet.TotalSeconds);
        }

        try
        {
            var files = result.Write(run.Parameters.Output, $"streamtester-{run.StartedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
            LogFiles(_logger, string.Join(", ", files));
        }
        catch (IOException e)
        {
            LogFilesFailed(_logger, e.Message);
        }

        return result;
    }

    /// <summary>One line a second while the stream runs.</summary>
    private async Task ReportProgressAsync(StreamRun run, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), Time, stop).ConfigureAwait(false);
                run.SampleMemory();
                if (run.LastSecond() is { } s)
                {
                    LogProgress(_logger, s.Second, s.Offered, s.Persisted, s.Latency.P50, s.Latency.P99, s.QueueDepth, s.ManagedBytes / 1048576);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The stream finished.
        }
    }

    private async Task ExitWhenFinishedAsync()
    {
        if (!_exit.Value || _finished is not { } finished)
        {
            return;
        }

        await finished.ConfigureAwait(false);
        await ShutdownAsync().ConfigureAwait(false);
    }

    private async Task ShutdownAsync()
    {
        if (_loader!.Commands.Find("shutdown") is null)
        {
            LogNoShutdown(_logger);
            return;
        }

        await _loader.Commands.CallAsync("shutdown", []).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Started}")]
    private static partial void LogStarted(ILogger logger, string started);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason}")]
    private static partial void LogNotStarted(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream second {Second}: offered {Offered} flows, persisted {Persisted}, latency p50 {P50:0.0} ms, p99 {P99:0.0} ms, writer queue {Queue}, managed memory {ManagedMiB} MiB")]
    private static partial void LogProgress(ILogger logger, int second, long offered, long persisted, double p50, double p99, int queue, long managedMiB);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream produced {Offered} flows in {Seconds:0.0} s; waiting for storage to report them")]
    private static partial void LogProduced(ILogger logger, long offered, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream summary:")]
    private static partial void LogSummaryTitle(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Row}")]
    private static partial void LogSummary(ILogger logger, string row);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} flows of the stream were not reported persisted: storage reported nothing for {Seconds} s (is a storage addon such as the Session loaded and writing?)")]
    private static partial void LogNotPersisted(ILogger logger, long count, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream results: {Files}")]
    private static partial void LogFiles(ILogger logger, string files);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason}")]
    private static partial void LogFilesFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "streamtester_exit is set, but the host has no shutdown command; stop it with Ctrl+C")]
    private static partial void LogNoShutdown(ILogger logger);
}
