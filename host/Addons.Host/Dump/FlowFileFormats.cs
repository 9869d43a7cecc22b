using Addons.Abstractions.Flows;
using Addons.Abstractions.Interop;
using Addons.Host.Interop;

namespace Addons.Host.Dump;

/// <summary>
/// The flow file formats addons add (<see cref="IFlowFiles"/>), by owner, so that an unloaded addon's go with it.
/// Reading tries them before mitmproxy's own and HAR; a format that fails in an unexpected way is named with its
/// addon in the one sentence the reader gets.
/// </summary>
internal sealed class FlowFileFormats
{
    private const int HeadLength = 64;
    private readonly Lock _gate = new();
    private readonly List<(string Owner, IFlowFileFormat Format)> _formats = [];

    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_gate)
            {
                return [.. _formats.Select(f => f.Format.Name)];
            }
        }
    }

    /// <summary>The view of the registry an addon's loader gives it: what it adds is recorded as its own.</summary>
    public IFlowFiles For(string owner) => new Owned(this, owner);

    public void Add(string owner, IFlowFileFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        lock (_gate)
        {
            if (_formats.FirstOrDefault(f => string.Equals(f.Format.Name, format.Name, StringComparison.OrdinalIgnoreCase)) is { Format: not null } other)
            {
                throw new ArgumentException($"Addon '{other.Owner}' already added a flow file format named '{format.Name}'.", nameof(format));
            }

            _formats.Add((owner, format));
        }
    }

    public void RemoveOwner(string owner) => Detach(owner);

    /// <summary>
    /// Takes every format of <paramref name="owner"/> out and returns them: a new build of the addon may then add the
    /// same names, and <see cref="Restore"/> puts them back if it fails to.
    /// </summary>
    public IReadOnlyList<IFlowFileFormat> Detach(string owner)
    {
        lock (_gate)
        {
            var detached = _formats.Where(f => f.Owner == owner).Select(f => f.Format).ToList();
            _formats.RemoveAll(f => f.Owner == owner);
            return detached;
        }
    }

    /// <summary>Puts back formats taken out by <see cref="Detach"/>.</summary>
    public void Restore(string owner, IEnumerable<IFlowFileFormat> formats)
    {
        lock (_gate)
        {
            _formats.AddRange(formats.Select(f => (owner, f)));
        }
    }

    /// <summary>The flows of a file, by the first added format that recognizes it, else mitmproxy's own or HAR.</summary>
    /// <exception cref="FormatException">The file cannot be read, in one sentence naming it.</exception>
    public IEnumerable<Flow> Read(string path, Action<string>? skipped = null)
    {
        if (FlowLocation.IsUrl(path))
        {
            return ReadUrl(path, skipped);
        }

        var full = Path.GetFullPath(path);
        if (Head(full) is { } head)
        {
            foreach (var (owner, format) in Snapshot())
            {
                bool recognized;
                try
                {
                    recognized = format.Recognizes(head, full);
                }
                catch (Exception e)
                {
                    throw new FormatException($"Flow file {full}: the {format.Name} format of addon '{owner}' failed to tell whether the file is its own: {e.Message}", e);
                }

                if (recognized)
                {
                    return Guarded(owner, format, full, skipped);
                }
            }
        }

        return FlowFile.ReadFlows(path, skipped);
    }

    /// <summary>The added format that writes files named like <paramref name="path"/> (or to that URL), with its owner, or null.</summary>
    public (string Owner, IFlowFileFormat Format)? WriterFor(string path)
    {
        var full = FlowLocation.Full(path);
        foreach (var (owner, format) in Snapshot())
        {
            if (format.Writes(full))
            {
                return (owner, format);
            }
        }

        return null;
    }

    /// <summary>The flows at a URL, by the first added format that recognizes it (with no bytes to go by).</summary>
    private IEnumerable<Flow> ReadUrl(string url, Action<string>? skipped)
    {
        foreach (var (owner, format) in Snapshot())
        {
            bool recognized;
            try
            {
                recognized = format.Recognizes([], url);
            }
            catch (Exception e)
            {
                throw new FormatException($"{FlowLocation.Display(url)}: the {format.Name} format of addon '{owner}' failed to tell whether it is its own: {e.Message}", e);
            }

            if (recognized)
            {
                return Guarded(owner, format, url, skipped);
            }
        }

        throw new FormatException($"No loaded addon reads flows from {FlowLocation.Display(url)} (the Session reads postgresql:// fleet stores); a file name has no scheme.");
    }

    private List<(string Owner, IFlowFileFormat Format)> Snapshot()
    {
        lock (_gate)
        {
            return [.. _formats];
        }
    }

    /// <summary>The first bytes of a file, or null when it cannot be opened (mitmproxy's reader then says why).</summary>
    private static byte[]? Head(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var head = new byte[HeadLength];
            var read = stream.ReadAtLeast(head, HeadLength, throwOnEndOfStream: false);
            return head[..read];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<Flow> Guarded(string owner, IFlowFileFormat format, string path, Action<string>? skipped)
    {
        IEnumerator<Flow> flows;
        try
        {
            flows = format.Read(path, skipped).GetEnumerator();
        }
        catch (Exception e) when (e is not FormatException)
        {
            throw Failed(owner, format, path, e);
        }

        using (flows)
        {
            while (true)
            {
                try
                {
                    if (!flows.MoveNext())
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (e is not FormatException)
                {
                    throw Failed(owner, format, path, e);
                }

                yield return flows.Current;
            }
        }
    }

    private static FormatException Failed(string owner, IFlowFileFormat format, string path, Exception e) =>
        new($"Flow file {FlowLocation.Display(path)}: the {format.Name} format of addon '{owner}' failed reading it: {e.Message}", e);

    private sealed class Owned(FlowFileFormats formats, string owner) : IFlowFiles
    {
        public IReadOnlyList<string> Formats => formats.Names;

        public void AddFormat(IFlowFileFormat format) => formats.Add(owner, format);

        public IEnumerable<Flow> Read(string path, Action<string>? skipped = null) => formats.Read(path, skipped);

        public IFlowFileFormat? WriterFor(string path) => formats.WriterFor(path)?.Format;
    }
}
