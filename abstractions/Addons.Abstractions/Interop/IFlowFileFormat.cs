using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Interop;

/// <summary>
/// A kind of flow file an addon reads and writes beyond the two the host reads itself (mitmproxy's own and HAR), such
/// as the Session addon's session files. Registered with <see cref="IFlowFiles.AddFormat"/>, it serves every reader of
/// flow files in the host: <c>-r</c>, <c>-w</c>, <c>view.flows.load</c>.
/// </summary>
public interface IFlowFileFormat
{
    /// <summary>A short name for messages and listings, such as <c>session</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Whether a file is of this format, from its first bytes (up to 64; fewer when the file is shorter) and its
    /// path. A format that claims a file it then cannot read says why from <see cref="Read"/>.
    /// </summary>
    bool Recognizes(ReadOnlySpan<byte> head, string path);

    /// <summary>Whether <see cref="CreateWriter"/> may be called for a file at <paramref name="path"/> (by its name; the file need not exist).</summary>
    bool Writes(string path);

    /// <summary>The flows of the file, in order.</summary>
    /// <param name="path">The file.</param>
    /// <param name="skipped">Told of flows that are left out, one sentence each.</param>
    /// <exception cref="FormatException">The file cannot be read or is damaged (after the flows before the damage), in one sentence naming it.</exception>
    IEnumerable<Flow> Read(string path, Action<string>? skipped = null);

    /// <summary>A writer of a new file at <paramref name="path"/>, which must not exist yet.</summary>
    /// <exception cref="IOException">The file exists or cannot be made, in one sentence naming it.</exception>
    IFlowFileWriter CreateWriter(string path);
}
