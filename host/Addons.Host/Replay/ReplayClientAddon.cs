using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Options;
using Addons.Host.Dump;
using Addons.Host.Hosting;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Replay;

/// <summary>
/// mitmproxy's clientplayback: <c>replay.client FLOWS</c> sends the requests of captured HTTP flows again, each as a
/// new flow (a fresh id, <c>is_replay</c> "request", no response yet) that goes through every addon's hooks as a
/// captured one does, so the View, the Session and the web page show it and <c>~replayq</c> matches it.
/// <c>replay.client.file</c> and the <c>client_replay</c> option (-C) replay the flows of files. Replays wait in a queue
/// and are sent in the background, <c>client_replay_concurrency</c> at a time (1, in order, by default);
/// <c>replay.client.count</c> and <c>replay.client.stop</c> look at and empty the queue. Without the proxy (-n) the host
/// stops once the replays of -C have ended, as mitmdump does.
/// </summary>
internal sealed partial class ReplayClientAddon : Addon
{
    private readonly FlowFileFormats _formats;
    private readonly ReplaySender _sender;
    private readonly NoServerExit _exit;
    private readonly ILogger<ReplayClientAddon> _logger;
    private readonly ReplayQueue _queue;
    private IOption<IReadOnlyList<string>> _files = null!;
    private IOption<int> _concurrency = null!;
    private bool _filesAtStart;

    public ReplayClientAddon(ReplaySender sender, FlowFileFormats formats, NoServerExit exit, ILogger<ReplayClientAddon> logger)
    {
        _sender = sender;
        _formats = formats;
        _exit = exit;
        _logger = logger;
        _queue = new ReplayQueue((replay, stop) => sender.ReplayAsync(replay.Flow, stop));
    }

    public override string Name => "clientplayback";

    public override void Load(IAddonLoader loader)
    {
        _files = loader.AddOption<IReadOnlyList<string>>("client_replay", [], "Flow files whose requests are replayed once the host runs (-C, repeatable); without the proxy (-n) the host then stops.");
        _concurrency = loader.AddOption("client_replay_concurrency", 1, "How many replayed requests may be in flight at once: 1 (one after the other, in order; mitmproxy's default), more, or -1 for no limit.");
        loader.AddCommand("replay.client", (IReadOnlyList<Flow> flows) => Replay(flows), "Replay the requests of HTTP flows, each as a new flow marked as a replay. Returns how many were queued.");
        loader.AddCommand("replay.client.file", (string path) => ReplayFile(path), "Replay the requests of a flow file (mitmproxy's, HAR, or a format an addon adds). Returns how many were queued.");
        loader.AddCommand("replay.client.count", () => _queue.Count, "How many replays are queued or in flight.");
        loader.AddCommand("replay.client.stop", () => Stop(), "Take the queued replays off the queue (those in flight finish). Returns how many were taken off.");
    }

    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (context.Updated.Contains("client_replay_concurrency"))
        {
            var concurrency = _concurrency.Value;
            if (concurrency is 0 or < -1)
            {
                context.Reject($"client_replay_concurrency must be 1 or more, or -1 for no limit, not {concurrency}.");
                return default;
            }

            _queue.Concurrency = concurrency;
        }

        if (!context.Updated.Contains("client_replay") || _files.Value.Count == 0)
        {
            return default;
        }

        if (context.IsInitial)
        {
            // Read once the host runs (running), as -r is; a file that is not there stops the start now.
            if (_files.Value.FirstOrDefault(f => !File.Exists(f)) is { } missing)
            {
                context.Reject($"client_replay: flow file {Path.GetFullPath(missing)} does not exist.");
                return default;
            }

            _filesAtStart = true;
            _exit.Expect();
            return default;
        }

        // Set while the host runs: replayed now, as mitmproxy does; a file that cannot be read refuses the change.
        var replays = new List<QueuedReplay>();
        foreach (var path in _files.Value)
        {
            try
            {
                replays.AddRange(PrepareFile(path));
            }
            catch (FormatException e)
            {
                context.Reject($"client_replay: {e.Message}");
                return default;
            }
        }

        _queue.Enqueue(replays);
        LogReplayingFiles(_logger, replays.Count, string.Join(", ", _files.Value.Select(Path.GetFullPath)));
        return default;
    }

    public override ValueTask RunningAsync(LifecycleContext context)
    {
        _queue.Start();
        if (_filesAtStart)
        {
            // Its own failures are logged; it always reports the work done.
            _ = ReplayFilesAsync(_files.Value);
        }

        return default;
    }

    public override async ValueTask DoneAsync(LifecycleContext context)
    {
        // Those in flight are cancelled and end in their error hook, while the addons before this one (done goes in
        // reverse order) still run.
        try
        {
            await _queue.StopAsync(context.CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _sender.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Why a flow cannot be replayed, as one sentence naming it (mitmproxy's check), or null when it can: only a
    /// complete HTTP request with a stored body and a URL to send it to.
    /// </summary>
    internal static string? Refusal(Flow flow) => flow switch
    {
        { Intercepted: true } => $"Flow {flow.Id} is intercepted; resume it (flow.resume) or kill it (flow.kill) before replaying it.",
        { Live: true } => $"Flow {flow.Id} is live: its exchange is still under way; replay it once it has completed.",
        not HttpFlow => $"Flow {flow.Id} is a {flow.Type.ToString().ToUpperInvariant()} flow; only HTTP flows can be replayed.",
        HttpFlow { WebSocket: not null } => $"Flow {flow.Id} is a WebSocket connection, which cannot be replayed.",
        HttpFlow { Request.Method: var method } when method.Equals("CONNECT", StringComparison.OrdinalIgnoreCase) =>
            $"Flow {flow.Id} is a CONNECT request, which opens a tunnel; replay the requests made through it instead.",
        HttpFlow { Request.Content: null } => $"Flow {flow.Id} has no request body to send: it was streamed, not stored.",
        HttpFlow { Request: var request } when request.Scheme is not ("http" or "https") || request.Host.Length == 0 || request.Port is < 1 or > 65535 =>
            $"Flow {flow.Id} has no http:// or https:// URL to send its request to.",
        _ => null,
    };

    /// <summary>
    /// The copy of a flow that is replayed: a new flow with a fresh id, marked as a replayed request, without the
    /// response, error and server of the original (mitmproxy clears them on the flow it replays; this leaves the
    /// original as it was). The proxy speaks HTTP/1.1 to servers, so an HTTP/2 request goes as HTTP/1.1.
    /// </summary>
    internal static QueuedReplay Prepare(HttpFlow flow)
    {
        var copy = flow.Copy();
        copy.IsReplay = ReplayKind.Request;

        // A new flow of now: the View's time order and column put it after the flows captured before it.
        copy.TimestampCreated = DateTimeOffset.UtcNow;
        copy.Response = null;
        copy.Error = null;
        copy.Server = new ServerConnection();
        copy.Request.Stream = false;
        if (!copy.Request.IsHttp10 && !copy.Request.IsHttp11)
        {
            copy.Request.HttpVersion = "HTTP/1.1";
        }

        return new QueuedReplay(copy, flow.Id);
    }

    private int Replay(IReadOnlyList<Flow> flows)
    {
        if (flows.Count == 0)
        {
            throw new CommandException("No flow was selected, so nothing was queued for replay (an @id that names no flow of the view selects none).");
        }

        return Enqueue(flows, "replay.client");
    }

    private int ReplayFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new CommandException($"Flow file {Path.GetFullPath(path)} does not exist, so nothing was queued for replay.");
        }

        List<Flow> flows;
        try
        {
            flows = ReadFile(path);
        }
        catch (FormatException e)
        {
            throw new CommandException($"{e.Message.TrimEnd('.')}, so nothing was queued for replay.", e);
        }

        if (flows.Count == 0)
        {
            throw new CommandException($"Flow file {Path.GetFullPath(path)} holds no flows, so nothing was queued for replay.");
        }

        return Enqueue(flows, Path.GetFullPath(path));
    }

    /// <summary>Queues the flows that can be replayed; those that cannot are said in the log, or in the error if none can.</summary>
    private int Enqueue(IReadOnlyList<Flow> flows, string source)
    {
        var refusals = new List<string>();
        var replays = new List<QueuedReplay>();
        foreach (var flow in flows)
        {
            if (Refusal(flow) is { } refusal)
            {
                refusals.Add(refusal);
            }
            else
            {
                replays.Add(Prepare((HttpFlow)flow));
            }
        }

        if (replays.Count == 0)
        {
            throw new CommandException(refusals.Count == 1
                ? refusals[0]
                : $"None of the {refusals.Count} flows can be replayed: {string.Join(" ", refusals.Take(3))}{(refusals.Count > 3 ? $" ({refusals.Count - 3} more)" : "")}");
        }

        foreach (var refusal in refusals)
        {
            LogRefused(_logger, source, refusal);
        }

        _queue.Enqueue(replays);
        return replays.Count;
    }

    private int Stop()
    {
        var cleared = _queue.Clear();
        LogCleared(_logger, cleared.Count);
        return cleared.Count;
    }

    /// <summary>The replays of a file's flows; those that cannot be replayed are said in the log.</summary>
    /// <exception cref="FormatException">The file cannot be read, in a sentence naming it.</exception>
    private List<QueuedReplay> PrepareFile(string path)
    {
        var replays = new List<QueuedReplay>();
        foreach (var flow in ReadFile(path))
        {
            if (Refusal(flow) is { } refusal)
            {
                LogRefused(_logger, Path.GetFullPath(path), refusal);
            }
            else
            {
                replays.Add(Prepare((HttpFlow)flow));
            }
        }

        return replays;
    }

    /// <summary>Every flow of a file, read before any is queued, so that a damaged file queues none.</summary>
    private List<Flow> ReadFile(string path) => [.. _formats.Read(path, reason => LogSkipped(_logger, reason))];

    /// <summary>
    /// The files of -C, read once the host runs (off the running hook) and queued together; the host without the proxy
    /// stops once they have all ended. A file that cannot be read is said in the log and the others are still replayed.
    /// </summary>
    private async Task ReplayFilesAsync(IReadOnlyList<string> paths)
    {
        await Task.Yield();
        try
        {
            var replays = new List<QueuedReplay>();
            foreach (var path in paths)
            {
                try
                {
                    replays.AddRange(PrepareFile(path));
                }
                catch (FormatException e)
                {
                    LogFileFailed(_logger, e.Message);
                }
            }

            _queue.Enqueue(replays);
            LogReplayingFiles(_logger, replays.Count, string.Join(", ", paths.Select(Path.GetFullPath)));
            await Task.WhenAll(replays.Select(r => r.Finished)).ConfigureAwait(false);
        }
        finally
        {
            // mitmdump -n -C FILE: nothing else to do once the replays have ended (and -r's file is read).
            _exit.Finished();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replaying {Count} flows from {Paths}")]
    private static partial void LogReplayingFiles(ILogger logger, int count, string paths);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not replayed ({Source}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string source, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "client_replay: {Reason} Its flows are not replayed.")]
    private static partial void LogFileFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Client replay queue cleared: {Count} flows taken off")]
    private static partial void LogCleared(ILogger logger, int count);
}
