using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>
/// The SQLite connection of a <see cref="SessionStore"/>: opening or creating the file, its pragmas, its schema and
/// migrations, the checkpointer, copies and checks, and the errors that name the file. It also keeps where the
/// segments stand (<see cref="SegmentCount"/>, <see cref="SegmentRows"/>, <see cref="NextSequence"/>), which the writer
/// advances and the reader follows.
/// </summary>
internal sealed class SessionFile : IDisposable
{
    private readonly SqliteConnection _connection;
    private WalCheckpointer? _checkpointer;

    private SessionFile(string path, SqliteConnection connection, SessionStoreOptions options)
    {
        Path = path;
        _connection = connection;
        Options = options;
    }

    /// <summary>The session file's full path.</summary>
    public string Path { get; }

    /// <summary>The options the file was opened with.</summary>
    public SessionStoreOptions Options { get; }

    /// <summary>The open connection, for statements prepared on it.</summary>
    public SqliteConnection Connection => _connection;

    /// <summary>The thread that copies the log into the file, while it works (null: SQLite checkpoints on the writer).</summary>
    public WalCheckpointer? Checkpointer => _checkpointer;

    /// <summary>How many segment tables the file has, as this connection last saw or made them.</summary>
    public int SegmentCount { get; set; }

    /// <summary>The file's rows per segment.</summary>
    public int SegmentRows { get; private set; } = Segments.DefaultRows;

    /// <summary>The row key the next new flow gets.</summary>
    public long NextSequence { get; set; }

    /// <summary>
    /// Opens the session file at <paramref name="path"/>: creates it with the current schema when it does not exist
    /// (or is empty), upgrades an older schema, and refuses a file that is not a session, has a newer schema, is locked
    /// or cannot be written (unless read-only was asked for).
    /// </summary>
    /// <exception cref="SessionStoreException">The file cannot be used as a session; nothing was written to it.</exception>
    public static SessionFile Open(string path, SessionStoreOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        var existed = File.Exists(fullPath);
        if (!existed && options.ReadOnly)
        {
            throw new SessionStoreException(fullPath, SessionStoreError.NotFound, $"Session file {fullPath} does not exist, so it cannot be opened read-only.");
        }

        if (!existed && !Directory.Exists(System.IO.Path.GetDirectoryName(fullPath)))
        {
            throw new SessionStoreException(fullPath, SessionStoreError.NotFound, $"Session file {fullPath} cannot be created: its folder does not exist.");
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = options.ReadOnly ? SqliteOpenMode.ReadOnly : existed ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString());
        var file = new SessionFile(fullPath, connection, options);
        try
        {
            connection.Open();
            file.Initialize(isNew: !existed || new FileInfo(fullPath).Length == 0);
            file.StartCheckpointer();
            return file;
        }
        catch (SqliteException e)
        {
            file.Dispose();
            DeleteIfCreated(fullPath, existed);
            throw file.Failure("open", e);
        }
        catch
        {
            file.Dispose();
            DeleteIfCreated(fullPath, existed);
            throw;
        }
    }

    /// <summary>A read-only store learns of the segments another connection began since it opened.</summary>
    public void RefreshSegments()
    {
        if (Options.ReadOnly)
        {
            SegmentCount = Guard("read", () => Segments.Count(_connection, null));
        }
    }

    /// <summary>
    /// Before a write: lets the checkpointer restart a grown log; if it failed, gives checkpoints back to SQLite, whose
    /// failures then surface as write errors.
    /// </summary>
    public void BeforeWrite()
    {
        if (_checkpointer is null)
        {
            return;
        }

        if (_checkpointer.Failure is not null)
        {
            _checkpointer.Dispose();
            _checkpointer = null;
            Execute("PRAGMA wal_autocheckpoint = 1000");
            return;
        }

        _checkpointer.BeforeWrite();
    }

    /// <summary>After a commit: has the checkpointer copy it into the file.</summary>
    public void Committed() => _checkpointer?.Committed();

    /// <summary>
    /// Writes a consistent, compacted copy of the session to <paramref name="path"/> (SQLite's <c>VACUUM INTO</c>);
    /// refuses to overwrite an existing file.
    /// </summary>
    public void SaveCopy(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = System.IO.Path.GetFullPath(path);
        if (File.Exists(target))
        {
            throw new SessionStoreException(target, SessionStoreError.Other, $"Cannot save session file {Path} as {target}: that file already exists and is left as it is.");
        }

        using var command = Command("VACUUM INTO $target");
        command.Parameters.AddWithValue("$target", target);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw Failure($"save a copy as {target} of", e);
        }
    }

    /// <summary>
    /// Runs SQLite's <c>PRAGMA integrity_check</c> and returns the problems it found, each naming the file; an empty
    /// list means the file is sound. A file too damaged to check yields one problem rather than an exception.
    /// </summary>
    public IReadOnlyList<string> IntegrityCheck()
    {
        try
        {
            using var command = Command("PRAGMA integrity_check");
            using var reader = command.ExecuteReader();
            var problems = new List<string>();
            while (reader.Read())
            {
                foreach (var line in reader.GetString(0).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (line is not "ok" and not "*** in database main ***")
                    {
                        problems.Add($"Session file {Path}: {line}");
                    }
                }
            }

            return problems;
        }
        catch (SqliteException e)
        {
            return [Failure("check", e).Message];
        }
    }

    /// <summary>Stops the checkpointer; the file's connection, closed after it, then copies what is left of the log.</summary>
    public void StopCheckpointer() => _checkpointer?.Dispose();

    /// <inheritdoc />
    public void Dispose()
    {
        // Stopping twice is harmless: the store stops the checkpointer before it disposes its statements.
        StopCheckpointer();
        _connection.Dispose();
    }

    public void EnsureWritable(string operation)
    {
        if (Options.ReadOnly)
        {
            throw new SessionStoreException(Path, SessionStoreError.ReadOnly, $"Cannot {operation} session file {Path}: it was opened read-only.");
        }
    }

    public SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    public T Scalar<T>(string sql)
    {
        using var command = Command(sql);
        return (T)command.ExecuteScalar()!;
    }

    public T Guard<T>(string operation, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (SqliteException e)
        {
            throw Failure(operation, e);
        }
        catch (InvalidDataException e)
        {
            throw new SessionStoreException(Path, SessionStoreError.Corrupt, $"Cannot {operation} session file {Path}: {e.Message}", e);
        }
    }

    /// <summary>Turns a SQLite error into one sentence that names the file, the operation and the reason.</summary>
    public SessionStoreException Failure(string operation, SqliteException e)
    {
        var (error, reason) = (e.SqliteErrorCode & 0xFF) switch
        {
            26 => (SessionStoreError.NotADatabase, "it is not a SQLite database"),
            11 => (SessionStoreError.Corrupt, "it is damaged"),
            5 or 6 => (SessionStoreError.Locked, "another connection holds a lock on it"),
            13 => (SessionStoreError.Full, "the disk is full or the session reached its size cap"),
            8 => (SessionStoreError.ReadOnly, "it is read-only"),
            14 => (SessionStoreError.NotFound, "it cannot be opened"),
            10 => (SessionStoreError.IoError, "the operating system reported an I/O error"),
            _ => (SessionStoreError.Other, "SQLite refused"),
        };
        return new SessionStoreException(Path, error, $"Cannot {operation} session file {Path}: {reason} ({e.Message.TrimEnd('.')}).", e);
    }

    private static void DeleteIfCreated(string path, bool existed)
    {
        if (existed)
        {
            return;
        }

        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            File.Delete(file);
        }
    }

    private void Initialize(bool isNew)
    {
        if (isNew && !Options.ReadOnly)
        {
            CreateSchema();
            return;
        }

        // Reads only until the file is known to be a session of a version this build understands.
        var version = ReadSchemaVersion(out var hasTables);
        if (version is null && !hasTables && !Options.ReadOnly)
        {
            // A SQLite database without any table (made by `sqlite3 file ""`, say) is as good as a new file.
            CreateSchema();
            return;
        }

        if (version is null)
        {
            throw new SessionStoreException(Path, SessionStoreError.NotASession,
                $"File {Path} is a SQLite database but not a session (it has no session schema); it was left unchanged.");
        }

        if (version > SessionSchema.Version)
        {
            throw new SessionStoreException(Path, SessionStoreError.NewerSchema,
                $"Session file {Path} has schema version {version}, newer than the {SessionSchema.Version} this build reads; open it with a newer version (the file was left unchanged).");
        }

        if (!Options.ReadOnly && SQLitePCL.raw.sqlite3_db_readonly(_connection.Handle, "main") == 1)
        {
            throw new SessionStoreException(Path, SessionStoreError.ReadOnly,
                $"Session file {Path} is read-only for this process, so it cannot be written; open it read-only to view it.");
        }

        if (version < SessionSchema.Version && Options.ReadOnly)
        {
            throw new SessionStoreException(Path, SessionStoreError.ReadOnly,
                $"Session file {Path} has schema version {version} and needs an upgrade to {SessionSchema.Version}, which a read-only open cannot do.");
        }

        if (!Options.ReadOnly)
        {
            Execute("PRAGMA journal_mode = WAL");
        }

        Configure();
        if (version < SessionSchema.Version)
        {
            Migrate(version.Value);
        }

        NextSequence = Scalar<long>("SELECT coalesce(max(seq), 0) + 1 FROM record");
        SegmentCount = Segments.Count(_connection, null);
        SegmentRows = Segments.RowsOf(_connection, null);
    }

    private void CreateSchema()
    {
        // Page size and journal mode must be set before the first table exists.
        Execute($"PRAGMA page_size = {Options.PageSize.ToString(CultureInfo.InvariantCulture)}");
        Execute("PRAGMA journal_mode = WAL");
        Execute($"PRAGMA user_version = {Options.SegmentRows.ToString(CultureInfo.InvariantCulture)}");
        Configure();
        Migrate(fromVersion: 0);
    }

    private int? ReadSchemaVersion(out bool hasTables)
    {
        hasTables = Scalar<long>("SELECT count(*) FROM sqlite_schema WHERE type = 'table'") > 0;
        var hasVersionTable = Scalar<long>("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'") == 1;
        if (!hasVersionTable || Scalar<long>("PRAGMA application_id") != SessionSchema.ApplicationId)
        {
            return null;
        }

        var version = Scalar<object>("SELECT max(version) FROM schema_version");
        return version is long v ? (int)v : null;
    }

    private void Configure()
    {
        Execute("PRAGMA synchronous = NORMAL");
        Execute($"PRAGMA cache_size = -{Options.CacheKiB.ToString(CultureInfo.InvariantCulture)}");
        Execute($"PRAGMA busy_timeout = {((long)Options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}");
        if (Options.MaxBytes is { } maxBytes)
        {
            var pageSize = Scalar<long>("PRAGMA page_size");
            Execute($"PRAGMA max_page_count = {Math.Max(1, maxBytes / pageSize).ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private void Migrate(int fromVersion)
    {
        using var transaction = _connection.BeginTransaction();
        using (var create = Command("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)", transaction))
        {
            create.ExecuteNonQuery();
        }

        foreach (var migration in SessionSchema.Migrations.Where(m => m.Version > fromVersion))
        {
            foreach (var statement in migration.Statements)
            {
                using var command = Command(statement, transaction);
                command.ExecuteNonQuery();
            }

            migration.Backfill?.Invoke(_connection, transaction);

            using var record = Command("INSERT INTO schema_version (version, applied_at, description) VALUES ($version, $at, $description)", transaction);
            record.Parameters.AddWithValue("$version", migration.Version);
            record.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            record.Parameters.AddWithValue("$description", migration.Description);
            record.ExecuteNonQuery();
        }

        transaction.Commit();
        NextSequence = Scalar<long>("SELECT coalesce(max(seq), 0) + 1 FROM record");
        SegmentCount = Segments.Count(_connection, null);
        SegmentRows = Segments.RowsOf(_connection, null);
    }

    /// <summary>Copies of the log run on their own thread (see <see cref="WalCheckpointer"/>) unless the options say otherwise.</summary>
    private void StartCheckpointer()
    {
        if (Options.ReadOnly || Options.WalRestartBytes is not { } restartBytes)
        {
            return;
        }

        _checkpointer = new WalCheckpointer(Path, Scalar<long>("PRAGMA page_size"), restartBytes);
        Execute("PRAGMA wal_autocheckpoint = 0");
    }
}
