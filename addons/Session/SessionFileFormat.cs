using Addons.Abstractions.Flows;
using Addons.Abstractions.Interop;
using Addons.Session.Storage;
using Microsoft.Data.Sqlite;

namespace Addons.Session;

/// <summary>
/// Session files as flow files (contract 1.3): <c>-r capture.session</c> reads one (opened read-only, in the order
/// its flows were captured, marks and comments included), and <c>-w copy.session</c> writes a new one, so a session is
/// either side of a conversion. The session this host keeps itself (<c>session_path</c>) is not read as a flow file:
/// its flows are in the View already.
/// </summary>
internal sealed class SessionFileFormat(Func<string?> ownSession) : IFlowFileFormat
{
    public string Name => "session";

    public bool Recognizes(ReadOnlySpan<byte> head, string path) => head.StartsWith("SQLite format 3\0"u8);

    public bool Writes(string path) => path.EndsWith(".session", StringComparison.OrdinalIgnoreCase);

    public IEnumerable<Flow> Read(string path, Action<string>? skipped = null)
    {
        var full = Path.GetFullPath(path);
        if (ownSession() is { } own && string.Equals(Path.GetFullPath(own), full, StringComparison.Ordinal))
        {
            throw new FormatException($"Session file {full} is the session this host keeps (session_path), so its flows are in the View already; read a copy (session.save) instead.");
        }

        SessionStore store;
        try
        {
            store = SessionStore.Open(full, readOnly: true);
        }
        catch (SessionStoreException e)
        {
            throw new FormatException(e.Message, e);
        }

        return ReadAll(store, full);
    }

    public IFlowFileWriter CreateWriter(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            throw new IOException($"Session file {full} exists already; a capture never overwrites another, so name a new file.");
        }

        try
        {
            return new Writer(SessionStore.Open(full));
        }
        catch (SessionStoreException e)
        {
            throw new IOException(e.Message, e);
        }
    }

    private static IEnumerable<Flow> ReadAll(SessionStore store, string path)
    {
        using (store)
        {
            using var flows = Guard(path, () => store.ReadAll().GetEnumerator());
            while (Guard(path, flows.MoveNext))
            {
                yield return flows.Current;
            }
        }
    }

    private static T Guard<T>(string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (SessionStoreException e)
        {
            throw new FormatException(e.Message, e);
        }
        catch (SqliteException e)
        {
            throw new FormatException($"Session file {path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Writes flows in transactions of up to 1,000 flows, or of what came within a second: a crash loses at most that,
    /// and the file is a whole session at every commit.
    /// </summary>
    private sealed class Writer(SessionStore store) : BatchedFlowFileWriter<Flow>
    {
        private static readonly TimeSpan FlushPeriod = TimeSpan.FromSeconds(1);
        private long _lastCommit = Environment.TickCount64;

        protected override string Target => $"session file {store.Path}";

        protected override bool Due => Environment.TickCount64 - _lastCommit >= FlushPeriod.TotalMilliseconds;

        protected override Flow Capture(HttpFlow flow)
        {
            // A copy under the same id: the flow may still change after this, and the batch is encoded later.
            var copy = flow.Copy();
            copy.Id = flow.Id;
            return copy;
        }

        protected override void WriteBatch(List<Flow> batch)
        {
            try
            {
                store.WriteBatch(batch);
            }
            catch (SessionStoreException e)
            {
                throw new IOException(e.Message, e);
            }
            finally
            {
                _lastCommit = Environment.TickCount64;
            }
        }

        protected override void Close() => store.Dispose();
    }
}
