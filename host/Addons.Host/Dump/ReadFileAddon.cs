using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Interop;
using Addons.Abstractions.Options;
using Addons.Host.Chain;
using Addons.Host.Filters;
using Addons.Host.Hosting;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Dump;

/// <summary>
/// mitmproxy's readfile: <c>rfile</c> (-r) names a flow file (mitmproxy's own, HAR, or a format an addon adds, such as a
/// session file) whose flows go through every addon's hooks once the host
/// runs, as captured flows would (the View shows them, the Session stores them, the dump prints them). Only the flows
/// <c>readfile_filter</c> matches are read. Without the proxy (-n) and without <c>keepserving</c> the host stops when
/// the file is done (and the replays of -C with it), as mitmdump does.
/// </summary>
internal sealed partial class ReadFileAddon(FlowInjector injector, FlowFileFormats formats, NoServerExit exit, ILogger<ReadFileAddon> logger) : Addon
{
    private IOption<string> _file = null!;
    private IOption<string> _filter = null!;
    private FlowFilter? _compiled;

    public override string Name => "readfile";

    /// <summary>Completes when the file given at start has been read (for tests).</summary>
    internal Task Reading { get; private set; } = Task.CompletedTask;

    public override void Load(IAddonLoader loader)
    {
        _file = loader.AddOption("rfile", "", "A flow file (mitmproxy's own, HAR, or a format an addon adds, such as a session file) whose flows go through the addons once the host runs (-r).");
        _filter = loader.AddOption("readfile_filter", "", "Read only the flows of rfile this filter expression matches.");
        loader.AddOption("keepserving", false, "Keep running after rfile is read and the client_replay requests are replayed even without the proxy (-n); by default the host then stops.");
    }

    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (!FilterOption.TryCompile(context, _filter, out var filter))
        {
            return default;
        }

        if (!context.IsInitial && context.Updated.Contains("rfile"))
        {
            context.Reject("rfile is read once the host runs; restart the host (or use view.flows.load) to read another file.");
            return default;
        }

        _compiled = filter;
        if (context.IsInitial && _file.Value.Length > 0)
        {
            if (!FlowLocation.IsUrl(_file.Value) && !File.Exists(_file.Value))
            {
                context.Reject($"rfile: flow file {Path.GetFullPath(_file.Value)} does not exist.");
                return default;
            }

            exit.Expect();
        }

        return default;
    }

    public override ValueTask RunningAsync(LifecycleContext context)
    {
        if (_file.Value.Length > 0)
        {
            Reading = ReadAsync(_file.Value, context.CancellationToken);
        }

        return default;
    }

    private async Task ReadAsync(string path, CancellationToken cancellationToken)
    {
        // Off the running hook: the host finishes starting while the file is read.
        await Task.Yield();
        int read = 0, matched = 0, unreadable = 0;
        try
        {
            foreach (var flow in formats.Read(path, reason =>
            {
                unreadable++;
                LogSkipped(logger, reason);
            }))
            {
                read++;
                if (_compiled is { } filter && !filter.Matches(flow))
                {
                    continue;
                }

                matched++;
                await injector.InjectAsync(flow, cancellationToken).ConfigureAwait(false);
            }

            // The count a conversion's "Wrote" line is checked against.
            var full = FlowLocation.Display(FlowLocation.Full(path));
            var unread = unreadable > 0 ? $"; {unreadable} could not be read (said above)" : "";
            if (_compiled is null)
            {
                LogRead(logger, read, full, unread);
            }
            else
            {
                LogReadFiltered(logger, read, full, matched, _filter.Value, unread);
            }
        }
        catch (FormatException e)
        {
            LogReadFailed(logger, e.Message, read);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // mitmdump -n -r FILE: nothing else to do once the file is read (and -C's replays are done).
        exit.Finished();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Count} flows from {Path}{Unread}")]
    private static partial void LogRead(ILogger logger, int count, string path, string unread);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Count} flows from {Path}, {Matched} of them matching the filter {Filter}{Unread}")]
    private static partial void LogReadFiltered(ILogger logger, int count, string path, int matched, string filter, string unread);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason} ({Count} flows before it were read.)")]
    private static partial void LogReadFailed(ILogger logger, string reason, int count);
}
