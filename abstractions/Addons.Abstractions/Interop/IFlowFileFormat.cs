using Addons.Abstractions.Flows;

namespace Addons.Abstractions.Interop;

/// <summary>
/// A kind of flow file an addon reads and writes beyond the two this contract knows (mitmproxy's own and HAR), such as
/// the Session addon's session files (contract 1.3). Registered with <see cref="IFlowFiles.AddFormat"/>, it serves every
/// reader of flow files in the host: <c>-r</c>, <c>-w</c>, <c>view.flows.load</c>.
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

/// <summary>Writes flows into a file of an <see cref="IFlowFileFormat"/>; disposing it completes the file.</summary>
public interface IFlowFileWriter : IDisposable
{
    /// <summary>Adds a flow (a flow written again replaces its earlier state where the format allows, else is added again).</summary>
    /// <exception cref="IOException">The file cannot take it, in one sentence naming the file.</exception>
    void Write(Flow flow);
}

/// <summary>
/// The flow files the host can read and write: mitmproxy's own and HAR, and the formats addons add (contract 1.3).
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
    /// else mitmproxy's own or HAR (<see cref="FlowFile.ReadFlows"/>).
    /// </summary>
    /// <exception cref="FormatException">The file cannot be read or is damaged (after the flows before the damage).</exception>
    IEnumerable<Flow> Read(string path, Action<string>? skipped = null);

    /// <summary>The added format that writes files named like <paramref name="path"/>, or null (then mitmproxy's own or HAR).</summary>
    IFlowFileFormat? WriterFor(string path);
}
