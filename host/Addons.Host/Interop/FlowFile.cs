using Addons.Abstractions.Flows;

namespace Addons.Host.Interop;

/// <summary>
/// A flow file of either format the host reads itself, told apart by its first bytes: mitmproxy's own
/// (<see cref="MitmproxyFlowFile"/>, a tnetstring length first) or HAR (<see cref="HarFile"/>).
/// </summary>
internal static class FlowFile
{
    /// <summary>The HTTP flows of the file at <paramref name="path"/>, in order.</summary>
    /// <param name="path">The file.</param>
    /// <param name="skipped">Told of flows that are left out (not HTTP), one sentence each.</param>
    /// <exception cref="FormatException">The file cannot be read or is damaged (after the flows before the damage).</exception>
    public static IEnumerable<HttpFlow> Read(string path, Action<string>? skipped = null)
    {
        var (bytes, name) = Bytes(path);
        return MitmproxyFlowFile.Sniff(bytes) ? MitmproxyFlowFile.Read(bytes, name, skipped) : HarFile.Read(bytes, name);
    }

    /// <summary>Every flow of the file at <paramref name="path"/>, in order: of a mitmproxy file also its TCP, UDP and DNS flows.</summary>
    /// <param name="path">The file.</param>
    /// <param name="skipped">Told of flows that are left out (of a type this build does not know), one sentence each.</param>
    /// <exception cref="FormatException">The file cannot be read or is damaged (after the flows before the damage).</exception>
    public static IEnumerable<Flow> ReadFlows(string path, Action<string>? skipped = null)
    {
        var (bytes, name) = Bytes(path);
        return MitmproxyFlowFile.Sniff(bytes) ? MitmproxyFlowFile.ReadFlows(bytes, name, skipped) : HarFile.Read(bytes, name);
    }

    private static (byte[] Bytes, string Name) Bytes(string path)
    {
        var (bytes, name) = FlowFileBytes.Read(path);
        if (bytes.AsSpan().StartsWith("SQLite format 3\0"u8))
        {
            throw new FormatException($"Flow file {name} is a SQLite database, such as a session file; a session is opened by the Session addon (--set session_path={name}), not read as a flow file.");
        }

        return (bytes, name);
    }
}
