namespace Addons.Session.Storage;

/// <summary>How <see cref="SessionStore.Open(string, SessionStoreOptions?)"/> opens a session file.</summary>
internal sealed class SessionStoreOptions
{
    /// <summary>
    /// The page size of new session files. Measured with ~2.2 KB flow rows (bench/session): 4 KiB pages hold one row
    /// each plus overflow and ran at half the rate of 16 KiB pages; 16 KiB and above were within the run-to-run noise of
    /// each other, and smaller pages keep reads of single flows and random index inserts cheaper.
    /// </summary>
    public const int DefaultPageSize = 16384;

    /// <summary>The default for <see cref="BodyThreshold"/>: bodies above 4 KiB are stored apart.</summary>
    public const int DefaultBodyThreshold = 4096;

    /// <summary>Open for reading only: every write is refused with <see cref="SessionStoreError.ReadOnly"/>, and the file is never changed.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// Bodies longer than this many bytes go to the body table and are loaded on demand; shorter ones stay inside the
    /// flow record. Keeping big bodies out of the flow rows keeps several rows per page, so scans of summaries and of
    /// records read a fraction of the file.
    /// </summary>
    public int BodyThreshold { get; init; } = DefaultBodyThreshold;

    /// <summary>How long an operation waits for another connection's lock before failing with <see cref="SessionStoreError.Locked"/> (at least one second).</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A cap on the file's size in bytes (SQLite's <c>max_page_count</c>); a write past it fails as a full disk does. <c>null</c>: no cap.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>The page size of a new file (a power of two from 512 to 65536); ignored for an existing one.</summary>
    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>SQLite's page cache for this store, in KiB.</summary>
    public int CacheKiB { get; init; } = 16 * 1024;

    /// <summary>
    /// The write-ahead log size, in bytes, above which the writer lets the background checkpointer catch up so that the
    /// log starts over (see <see cref="WalCheckpointer"/>); <c>null</c>: SQLite checkpoints on the writer's thread
    /// after each commit that leaves more than 1,000 pages in the log, as it does by default.
    /// </summary>
    public long? WalRestartBytes { get; init; } = DefaultWalRestartBytes;

    /// <summary>
    /// The default for <see cref="WalRestartBytes"/>. Each restart makes the writer wait for the copy of its last batch,
    /// so the best size follows the batch: with batches of 10,000 flows (~27 MB) 1 GiB ran best (0.7–1.3 s of every 8 s
    /// spent waiting at 256 MiB); with the writer's batches of 2,000 (~5 MB) 256 MiB runs a few percent faster than
    /// 1 GiB, and 64 MiB slower (bench/session, (w) cases). The log file stays at about this size under a sustained
    /// stream, and goes with the last connection.
    /// </summary>
    public const long DefaultWalRestartBytes = 256L * 1024 * 1024;

    /// <summary>
    /// Rows per column segment of a new file (see <see cref="Segments"/>); an existing file keeps its own. Tests make
    /// it small to cover many segments with few flows.
    /// </summary>
    public int SegmentRows { get; init; } = Segments.DefaultRows;
}
