using System.Text;
using Addons.Abstractions;
using Addons.Abstractions.Flows;
using Addons.Abstractions.Hooks;
using Addons.Abstractions.Interop;
using Addons.Abstractions.Options;
using Addons.Host.Filters;
using Addons.Host.Interop;
using Microsoft.Extensions.Logging;

namespace Addons.Host.Dump;

/// <summary>
/// mitmproxy's save: <c>save_stream_file</c> (-w) writes each completed flow (response, or error without one) as it
/// completes, the flows <c>save_stream_filter</c> matches: as mitmproxy's own flow file (format 17), or as HAR when
/// the name ends in <c>.har</c> (the document is closed when the host stops), or in a format an addon adds that
/// writes files of that name (a session file). A file cut short by a crash still reads up to its last whole flow.
/// As mitmproxy's save, a WebSocket flow is written when it ends, a flow still open when the host stops is written
/// as it stands, and a flow a file holds without its response is written too; the closing line says how many flows
/// were written, and why any that completed were not.
/// </summary>
internal sealed partial class SaveStreamAddon(FlowFileFormats formats, ILogger<SaveStreamAddon> logger) : CompletedFlowAddon, IDisposable
{
    private static readonly byte[] Separator = ",\n"u8.ToArray();
    private readonly Lock _gate = new();
    private IOption<string> _file = null!;
    private IOption<string> _filter = null!;
    private FlowFilter? _compiled;
    private FileStream? _stream;
    private IFlowFileWriter? _writer;
    private string _path = "";
    private bool _har;
    private bool _opened;
    private bool _byAddedFormat;
    private int _unwritable;
    private int _written;
    private int _filtered;
    private int _lost;
    private readonly int[] _notHeld = new int[Enum.GetValues<FlowType>().Length];

    public override string Name => "save";

    public override void Load(IAddonLoader loader)
    {
        _file = loader.AddOption("save_stream_file", "", "Write each completed flow to this new file as it completes (-w): mitmproxy's flow format, HAR for a name ending in .har, or a session for a name ending in .session.");
        _filter = loader.AddOption("save_stream_filter", "", "Write only the flows this filter expression matches.");
        SaveFileCommands.Register(loader, formats);
    }

    public override ValueTask ConfigureAsync(ConfigureContext context)
    {
        if (!FilterOption.TryCompile(context, _filter, out var filter))
        {
            return default;
        }

        if (!context.IsInitial && context.Updated.Contains("save_stream_file"))
        {
            context.Reject("save_stream_file takes effect at start; restart the host to write to another file.");
            return default;
        }

        _compiled = filter;
        if (!context.IsInitial || _file.Value.Length == 0)
        {
            return default;
        }

        var path = FlowLocation.Full(_file.Value);
        _path = FlowLocation.Display(path);
        if (formats.WriterFor(path) is var (owner, format))
        {
            try
            {
                _writer = format.CreateWriter(path);
                _opened = _byAddedFormat = true;
            }
            catch (Exception e)
            {
                context.Reject($"save_stream_file: {FlowLocation.Display(path)} cannot be written as a {format.Name} file by addon '{owner}': {e.Message}");
            }

            return default;
        }

        if (FlowLocation.IsUrl(path))
        {
            context.Reject($"save_stream_file: no loaded addon writes flows to {FlowLocation.Display(path)} (the Session writes to postgresql:// fleet stores); a file name has no scheme.");
            return default;
        }

        try
        {
            // CreateNew: a capture never overwrites another.
            _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
            _opened = true;
            _har = path.EndsWith(".har", StringComparison.OrdinalIgnoreCase);
            if (_har)
            {
                var head = $"{{\"log\": {{\"version\": \"1.2\", \"creator\": {{\"name\": \"addons-host\", \"version\": \"{typeof(HarFile).Assembly.GetName().Version?.ToString(3)}\"}}, \"entries\": [\n";
                _stream.Write(Encoding.UTF8.GetBytes(head));
                _stream.Flush();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Reject($"save_stream_file: {path} cannot be created ({e.Message}); name a new file.");
        }

        return default;
    }

    protected override bool Active => _opened;

    // As mitmproxy's save: a WebSocket flow is written when it ends, with its messages.
    protected override bool CompletesWebSocketsAtEnd => true;

    /// <summary>The flows still open when the host stops are written as they stand, as mitmproxy's save does at done.</summary>
    protected override void Stopping(IReadOnlyList<Flow> unfinished)
    {
        foreach (var flow in unfinished)
        {
            Completed(flow);
        }

        Close();
    }

    public void Dispose() => Close();

    protected override void Completed(Flow flow)
    {
        if (!_opened)
        {
            return;
        }

        if (_compiled is { } filter && !filter.Matches(flow))
        {
            Interlocked.Increment(ref _filtered);
            return;
        }

        if (_byAddedFormat)
        {
            lock (_gate)
            {
                if (_writer is null)
                {
                    _lost++;
                    return;
                }

                try
                {
                    _writer.Write(flow);
                    _written++;
                }
                catch (Exception e) when (e is NotSupportedException or ArgumentException)
                {
                    NotWritten(flow, e.Message);
                }
                catch (Exception e)
                {
                    LogWriteFailed(logger, _path, e.Message, _written);
                    _lost++;
                    DisposeWriter();
                }
            }

            return;
        }

        byte[] entry;
        if (flow is HttpFlow http)
        {
            entry = _har ? HarEntry(http) : MitmproxyState(http);
        }
        else if (_har)
        {
            NotWritten(flow, $"a HAR file holds HTTP flows only, and flow {flow.Id} is a {flow.Type.ToString().ToUpperInvariant()} flow");
            return;
        }
        else
        {
            try
            {
                entry = MitmproxyState(flow);
            }
            catch (ArgumentException e)
            {
                NotWritten(flow, e.Message);
                return;
            }
        }

        lock (_gate)
        {
            if (_stream is null)
            {
                _lost++;
                return;
            }

            try
            {
                if (_har && _written > 0)
                {
                    _stream.Write(Separator);
                }

                _stream.Write(entry);
                _stream.Flush();
                _written++;
            }
            catch (IOException e)
            {
                // A full disk: say so once, stop writing, keep what is there.
                LogWriteFailed(logger, _stream.Name, e.Message, _written);
                _lost++;
                _stream.Dispose();
                _stream = null;
            }
        }
    }

    private void Close()
    {
        lock (_gate)
        {
            if (_writer is not null)
            {
                if (DisposeWriter())
                {
                    Closed(_path);
                }

                return;
            }

            if (_stream is null)
            {
                _lost++;
                return;
            }

            try
            {
                if (_har)
                {
                    _stream.Write("\n]}}\n"u8);
                }

                Closed(_stream.Name);
            }
            catch (IOException e)
            {
                LogWriteFailed(logger, _stream.Name, e.Message, _written);
            }
            finally
            {
                _stream.Dispose();
                _stream = null;
            }
        }
    }

    /// <summary>Completes an added format's file; false (said in the log) when that failed.</summary>
    private bool DisposeWriter()
    {
        var writer = _writer;
        _writer = null;
        try
        {
            writer?.Dispose();
            return true;
        }
        catch (Exception e)
        {
            LogWriteFailed(logger, _path, e.Message, _written);
            return false;
        }
    }

    /// <summary>One HAR entry: the document HarFile writes for this flow alone, cut to the entry inside its array.</summary>
    private static byte[] HarEntry(HttpFlow flow)
    {
        using var single = new MemoryStream();
        HarFile.Write(single, [flow]);
        var text = single.GetBuffer().AsSpan(0, (int)single.Length);
        var start = text.IndexOf("\"entries\": ["u8) + "\"entries\": ["u8.Length;
        var end = text.LastIndexOf((byte)']');
        return text[start..end].Trim("\r\n "u8).ToArray();
    }

    /// <summary>The closing line; a warning when flows were not written, which even -q shows.</summary>
    private void Closed(string path)
    {
        var notWritten = NotWrittenSummary();
        if (notWritten.Length == 0)
        {
            LogClosed(logger, _written, path, notWritten);
        }
        else
        {
            LogClosedShort(logger, _written, path, notWritten);
        }
    }

    /// <summary>
    /// Why the flows that completed and were not written were not (so that what was read and what was written agree):
    /// empty when every flow was written.
    /// </summary>
    private string NotWrittenSummary()
    {
        var reasons = new List<string>();
        if (_filtered > 0)
        {
            reasons.Add($"{_filtered} did not match save_stream_filter");
        }

        for (var type = 0; type < _notHeld.Length; type++)
        {
            if (_notHeld[type] > 0)
            {
                reasons.Add($"{_notHeld[type]} {((FlowType)type).ToString().ToUpperInvariant()} {(_notHeld[type] == 1 ? "flow" : "flows")} the format cannot hold");
            }
        }

        if (_lost > 0)
        {
            reasons.Add($"{_lost} came after writing failed");
        }

        return reasons.Count == 0 ? "" : $"; not written: {string.Join(", ", reasons)}";
    }

    /// <summary>A flow the file cannot hold: said once for each type, with the reason; the file goes on with the others.</summary>
    private void NotWritten(Flow flow, string reason)
    {
        Interlocked.Increment(ref _notHeld[(int)flow.Type]);
        var bit = 1 << (int)flow.Type;
        if ((Interlocked.Or(ref _unwritable, bit) & bit) == 0)
        {
            LogNotWritten(logger, _path.Length > 0 ? _path : _stream?.Name ?? "", flow.Type.ToString().ToUpperInvariant(), reason.TrimEnd('.'));
        }
    }

    private static byte[] MitmproxyState(Flow flow)
    {
        using var single = new MemoryStream();
        MitmproxyFlowFile.Write(single, flow);
        return single.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flow file {Path} does not get {Type} flows: {Reason}; the other flows are still written")]
    private static partial void LogNotWritten(ILogger logger, string path, string type, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Count} flows to {Path}{NotWritten}")]
    private static partial void LogClosed(ILogger logger, int count, string path, string notWritten);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wrote {Count} flows to {Path}{NotWritten}")]
    private static partial void LogClosedShort(ILogger logger, int count, string path, string notWritten);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing flows to {Path} failed: {Reason}; the {Count} flows written before stay readable, no more are written")]
    private static partial void LogWriteFailed(ILogger logger, string path, string reason, int count);
}
