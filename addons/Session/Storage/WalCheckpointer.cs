using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>
/// Copies a session file's write-ahead log into the database on a connection and thread of its own, so that the
/// writer's core only appends to the log. With SQLite's own checkpoints (after a commit that leaves more than 1,000
/// pages in the log, on the committing connection), every batch is written twice on the writer's thread: into the log,
/// then from the log into the file, with a sync of each (bench/session: the raw insert 1.5x as fast with the copy
/// moved here, the store and the pipeline 1.2–1.4x).
/// <para>
/// The log starts over from its beginning only when a write transaction begins with every frame already copied.
/// Under light traffic the copy catches up between batches and the log restarts at once. Under a steady stream the
/// writer begins its next batch as soon as it commits one, before the copy of that one is done; so once the log holds
/// more than <c>restartBytes</c>, <see cref="BeforeWrite"/> makes the writer wait for the copy of its last batch
/// (begun when the batch committed) before it begins the next. The log file then stays near that size.
/// </para>
/// <para>
/// A reader that holds an old snapshot (another process reading the file) stops the copy at its snapshot: the writer
/// does not wait for it, and the log grows until the reader is done, as it would with SQLite's checkpoints. If a
/// checkpoint fails (a full disk, say), this stops and <see cref="Failure"/> says why; the store then gives
/// checkpoints back to SQLite, whose failures reach the writer as write errors.
/// </para>
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>How long the writer waits for the copy of its last batch before it goes on with a growing log.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(2);

    private readonly SqliteConnection _connection;
    private readonly long _restartFrames;
    private readonly Thread _thread;
    private readonly object _lock = new();
    private long _committed;
    private long _checkpointedCommit = -1;
    private long _logFrames;
    private long _copiedFrames;
    private long _restartedAfter;
    private bool _stopping;

    /// <summary>Opens a second connection to <paramref name="path"/> and starts copying its log after each commit.</summary>
    /// <param name="path">The session file, already in WAL mode.</param>
    /// <param name="pageSize">The file's page size, to count log frames.</param>
    /// <param name="restartBytes">The log size above which the writer waits for the copy so that the log can restart.</param>
    public WalCheckpointer(string path, long pageSize, long restartBytes)
    {
        _restartFrames = Math.Max(1, restartBytes / pageSize);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        _connection.Open();
        using (var command = _connection.CreateCommand())
        {
            // A checkpoint that meets the writer's lock gives up at once and runs again after the next commit.
            command.CommandText = "PRAGMA busy_timeout = 0";
            command.ExecuteNonQuery();
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "Session WAL checkpointer" };
        _thread.Start();
    }

    /// <summary>Why the checkpointer stopped, or null while it works.</summary>
    public string? Failure { get; private set; }

    /// <summary>How many checkpoints have run (for tests).</summary>
    public long Checkpoints { get; private set; }

    /// <summary>The writer committed a transaction: copy it.</summary>
    public void Committed()
    {
        lock (_lock)
        {
            _committed++;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>
    /// Called by the writer before it begins a transaction: when the log has grown past the restart size, waits (at
    /// most <see cref="MaxWait"/>) until every committed frame is copied, so that the transaction restarts the log.
    /// </summary>
    public void BeforeWrite()
    {
        lock (_lock)
        {
            if (Failure is not null)
            {
                return;
            }

            if (_checkpointedCommit == _committed && _copiedFrames >= _logFrames && _logFrames > 0)
            {
                // The copy has caught up by itself (the writer is not busy): the log starts over at no cost, and stays
                // small while traffic is light.
                _restartedAfter = _committed + 1;
                return;
            }

            // The last result is from before the log restarted (then the log is small), or the log is still small.
            if (_checkpointedCommit < _restartedAfter || _logFrames < _restartFrames)
            {
                return;
            }

            if (!WaitCopiedLocked(MaxWait) || Failure is not null)
            {
                return;
            }

            if (_copiedFrames < _logFrames)
            {
                // The copy of the last commit stopped short: a reader still uses older frames. Waiting longer would not
                // help; the log grows until the reader is done.
                return;
            }

            // Every frame is in the file: the transaction about to begin starts the log over (unless another reader
            // still uses it), so results of checkpoints before that commit no longer tell the log's size.
            _restartedAfter = _committed + 1;
        }
    }

    /// <summary>Waits until the copy that follows the last commit has run (for tests); false when the time ran out.</summary>
    public bool WaitCopied(TimeSpan timeout)
    {
        lock (_lock)
        {
            return WaitCopiedLocked(timeout);
        }
    }

    /// <summary>Under the lock: waits until a copy has run after the last commit; false when the time ran out or the checkpointer stopped.</summary>
    private bool WaitCopiedLocked(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (_checkpointedCommit != _committed)
        {
            var left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0 || Failure is not null || _stopping)
            {
                return false;
            }

            Monitor.Wait(_lock, TimeSpan.FromSeconds(left / (double)Stopwatch.Frequency));
        }

        return true;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.PulseAll(_lock);
        }

        _thread.Join();
        _connection.Dispose();
    }

    private void Run()
    {
        using var checkpoint = _connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        var done = 0L;
        while (true)
        {
            long commit;
            lock (_lock)
            {
                while (_committed == done && !_stopping)
                {
                    Monitor.Wait(_lock);
                }

                if (_stopping)
                {
                    return;
                }

                commit = _committed;
            }

            try
            {
                // One row: whether it was blocked, the frames in the log, the frames copied into the file.
                using var reader = checkpoint.ExecuteReader();
                reader.Read();
                var log = reader.GetInt64(1);
                var copied = reader.GetInt64(2);
                lock (_lock)
                {
                    _checkpointedCommit = commit;
                    _logFrames = log;
                    _copiedFrames = copied;
                    Checkpoints++;
                    Monitor.PulseAll(_lock);
                }

                done = commit;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6)
            {
                // Busy or locked: another connection checkpoints (one closing, say); try again in a moment.
                Thread.Sleep(1);
            }
            catch (SqliteException e)
            {
                lock (_lock)
                {
                    Failure = e.Message;
                    Monitor.PulseAll(_lock);
                }

                return;
            }
        }
    }
}
