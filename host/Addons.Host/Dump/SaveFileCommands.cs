using Addons.Abstractions;
using Addons.Abstractions.Commands;
using Addons.Abstractions.Flows;
using Addons.Host.Interop;

namespace Addons.Host.Dump;

/// <summary>
/// mitmproxy's <c>save.file</c> and <c>save.har</c> commands: write chosen flows to a new file at once (where
/// <c>save_stream_file</c> writes each flow as it completes). <c>save.file</c> picks the format by the name as -w
/// does (a format an addon adds, such as <c>.session</c>; HAR for <c>.har</c>; else mitmproxy's own), so the web UI
/// and <c>--command</c> users download what <c>-w</c> would have written.
/// </summary>
internal static class SaveFileCommands
{
    public static void Register(IAddonLoader loader, FlowFileFormats formats)
    {
        loader.AddCommand("save.file", (IReadOnlyList<Flow> flows, string path) => Save(formats, flows, path, har: false),
            "Write flows to a new file: a format an addon adds for the name (a .session file), HAR for a name ending in .har, else mitmproxy's flow format. Returns how many were written.");
        loader.AddCommand("save.har", (IReadOnlyList<Flow> flows, string path) => Save(formats, flows, path, har: true),
            "Write the HTTP flows among these to a new HAR file. Returns how many were written.");
    }

    private static int Save(FlowFileFormats formats, IReadOnlyList<Flow> flows, string path, bool har)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CommandException("Name the file to write.");
        }

        path = FlowLocation.Full(path);
        if (FlowLocation.IsUrl(path) && (har || formats.WriterFor(path) is null))
        {
            throw new CommandException($"No loaded addon writes {(har ? "HAR" : "flows")} to {FlowLocation.Display(path)}; name a file.");
        }

        if (File.Exists(path))
        {
            throw new CommandException($"{path} exists; name a new file.");
        }

        har |= path.EndsWith(".har", StringComparison.OrdinalIgnoreCase);
        try
        {
            if (!har && formats.WriterFor(path) is var (_, format))
            {
                using var writer = format.CreateWriter(path);
                foreach (var flow in flows)
                {
                    writer.Write(flow);
                }

                return flows.Count;
            }

            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            if (har)
            {
                var http = flows.OfType<HttpFlow>().ToList();
                HarFile.Write(stream, http);
                return http.Count;
            }

            // mitmproxy 8.1's format has no UDP flows; the count says what was left out.
            var written = flows.Where(f => f is not UdpFlow).ToList();
            MitmproxyFlowFile.WriteFlows(stream, written);
            return written.Count;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"{FlowLocation.Display(path)} cannot be written: {e.Message}");
        }
    }
}
