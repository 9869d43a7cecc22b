using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Interop;

/// <summary>
/// The flow files the host can read and write: mitmproxy's own and HAR, and the formats addons add. The readers and
/// writers of mitmproxy's format and HAR are the host's, so a fix to them ships with the host; an addon reads any flow
/// file through <see cref="Read"/>, as <c>-r</c> does.
/// </summary>
public interface IFlowFiles
{
    /// <summary>Adds a format; it is removed again when the addon that added it is unloaded.</summary>
    /// <exception cref="ArgumentException">Another addon's format has the same name.</exception>
    void AddFormat(IFlowFileFormat format);

    /// <summary>The names of the formats addons added.</summary>
    IReadOnlyList<string> Formats { get; }

    /// <summary>
    /// The flows of the file at <paramref name="path"/>, in order, by whichever format recognizes it: an added one,
    /// else mitmproxy's own (every flow type it holds: HTTP, TCP, UDP, DNS) or HAR (HTTP flows).
    /// </summary>
    /// <exception cref="FormatException">The file cannot be read or is damaged (after the flows before the damage).</exception>
    IEnumerable<Flow> Read(string path, Action<string>? skipped = null);

    /// <summary>The added format that writes files named like <paramref name="path"/>, or null (then mitmproxy's own or HAR).</summary>
    IFlowFileFormat? WriterFor(string path);
}
