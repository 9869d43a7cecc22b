using System.Diagnostics;
using Addons.Session.Storage;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Tests.Storage;

/// <summary>
/// Every bad file the issue names gives one clear sentence naming the file, and leaves the file's bytes as they were.
/// </summary>
public sealed class SessionStoreErrorTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void A_file_that_is_not_a_SQLite_database_is_refused_and_left_unchanged()
    {
        var path = _temp.File("notes.txt");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("These are my notes, not a database. ", 200)));
        var before = File.ReadAllBytes(path);

        var error = Assert.Throws<SessionStoreException>(() => SessionStore.Open(path));

        Assert.That(error!.Error, Is.EqualTo(SessionStoreError.NotADatabase));
        Assert.That(error.Message, Does.Contain(path).And.Contain("not a SQLite database"));
        AssertUnchanged(path, before);
    }

    [Test]
    public void A_SQLite_database_without_the_session_schema_is_refused_and_left_unchanged()
    {
        var path = _temp.File("other.db");
        using (var connection = Raw(path))
        {
            Execute(connection, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada')");
        }

        var before = File.ReadAllBytes(path);

        var error = Assert.Throws<SessionStoreException>(() => SessionStore.Open(path));

        Assert.That(error!.Error, Is.EqualTo(SessionStoreError.NotASession));
        Assert.That(error.Message, Does.Contain(path).And.Contain("not a session"));
        AssertUnchanged(path, before);
    }

    [Test]
    public void A_session_with_a_newer_schema_version_is_refused_and_left_unchanged()
    {
        var path = CreateSession(10);
        using (var connection = Raw(path))
        {
            Execute(connection, $"INSERT INTO schema_version (version, applied_at, description) VALUES ({SessionSchema.Version + 1}, '2030-01-01', 'from the future')");
        }

        var before = File.ReadAllBytes(path);

        var error = Assert.Throws<SessionStoreException>(() => SessionStore.Open(path));

        Assert.That(error!.Error, Is.EqualTo(SessionStoreError.NewerSchema));
        Assert.That(error.Message, Does.Contain(path).And.Contain($"schema version {SessionSchema.Version + 1}"));
        AssertUnchanged(path, before);
    }

    [Test]
    public void A_corrupt_page_gives_a_clear_error_or_a_failed_integrity_check_never_a_crash_and_the_file_is_left_unchanged()
    {
        var path = CreateSession(300);
        var bytes = File.ReadAllBytes(path);
        // Overwrite 4 KiB in the middle of the file: inside some page of flow rows or index entries.
        Array.Fill(bytes, (byte)0x5A, bytes.Length / 2, 4096);
        File.WriteAllBytes(path, bytes);

        var problems = new List<string>();
        try
        {
            using var store = SessionStore.Open(path);
            problems.AddRange(store.IntegrityCheck());
            try
            {
                _ = store.ReadAll().Count();
            }
            catch (SessionStoreException e)
            {
                problems.Add(e.Message);
            }
        }
        catch (SessionStoreException e)
        {
            problems.Add(e.Message);
        }

        Assert.That(problems, Is.Not.Empty, "the damage is reported");
        Assert.That(problems, Has.All.Contain(path));
        AssertUnchanged(path, bytes);
    }

    [Test]
    public void A_session_opened_read_only_can_be_read_refuses_writes_and_is_left_unchanged()
    {
        var path = CreateSession(5);
        var before = File.ReadAllBytes(path);

        using (var store = SessionStore.Open(path, readOnly: true))
        {
            Assert.That(store.ReadAll().Count(), Is.EqualTo(5));
            var error = Assert.Throws<SessionStoreException>(() => store.WriteBatch([SampleFlows.Simple(99)]));
            Assert.That(error!.Error, Is.EqualTo(SessionStoreError.ReadOnly));
            Assert.That(error.Message, Does.Contain(path).And.Contain("opened read-only"));
            Assert.Throws<SessionStoreException>(() => store.SetSetting(Guid.NewGuid(), "k", "v"));
            Assert.Throws<SessionStoreException>(store.Clear);
        }

        AssertUnchanged(path, before);
    }

    [Test]
    public void A_file_the_operating_system_will_not_let_us_write_is_refused_for_writing_and_opens_read_only()
    {
        var path = CreateSession(5);
        var before = File.ReadAllBytes(path);
        MakeReadOnly(path);
        try
        {
            var error = Assert.Throws<SessionStoreException>(() => SessionStore.Open(path));
            Assert.That(error!.Error, Is.EqualTo(SessionStoreError.ReadOnly));
            Assert.That(error.Message, Does.Contain(path).And.Contain("read-only"));

            using var store = SessionStore.Open(path, readOnly: true);
            Assert.That(store.ReadAll().Count(), Is.EqualTo(5));
        }
        finally
        {
            UndoReadOnly(path);
        }

        AssertUnchanged(path, before);
    }

    [Test]
    public void A_file_locked_by_another_connection_is_refused_and_left_unchanged()
    {
        var path = CreateSession(5);
        var before = File.ReadAllBytes(path);
        using (var holder = Raw(path))
        {
            // Exclusive locking mode plus a write: the other connection keeps the file locked until it closes.
            Execute(holder, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE record SET bodies_apart = bodies_apart; COMMIT");

            var error = Assert.Throws<SessionStoreException>(() => SessionStore.Open(path, new SessionStoreOptions { BusyTimeout = TimeSpan.FromMilliseconds(100) }));

            Assert.That(error!.Error, Is.EqualTo(SessionStoreError.Locked));
            Assert.That(error.Message, Does.Contain(path).And.Contain("lock"));
        }

        // Only the holder's own committed no-op update may have reached the file; our failed open wrote nothing.
        using (var store = SessionStore.Open(path, readOnly: true))
        {
            Assert.That(store.ReadAll().Count(), Is.EqualTo(5));
        }

        Assert.That(new FileInfo(path).Length, Is.EqualTo(before.Length));
    }

    [Test]
    public void A_full_disk_fails_the_batch_with_a_clear_error_keeps_the_stored_flows_and_leaves_the_file_unchanged()
    {
        var path = CreateSession(5);
        var before = File.ReadAllBytes(path);

        using (var store = SessionStore.Open(path, new SessionStoreOptions { MaxBytes = before.Length }))
        {
            var error = Assert.Throws<SessionStoreException>(() =>
                store.WriteBatch([.. Enumerable.Range(0, 200).Select(i => SampleFlows.Simple(i, responseBytes: 3000))]));

            Assert.That(error!.Error, Is.EqualTo(SessionStoreError.Full));
            Assert.That(error.Message, Does.Contain(path).And.Contain("disk is full"));
            Assert.That(store.ReadAll().Count(), Is.EqualTo(5), "the failed batch left nothing behind");
        }

        AssertUnchanged(path, before);
    }

    [Test]
    public void Opening_a_missing_file_read_only_names_it_and_creates_nothing()
    {
        var path = _temp.File("missing.session");

        var error = Assert.Throws<SessionStoreException>(() => SessionStore.Open(path, readOnly: true));

        Assert.That(error!.Error, Is.EqualTo(SessionStoreError.NotFound));
        Assert.That(error.Message, Does.Contain(path));
        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void A_summary_row_with_an_impossible_creation_time_names_the_file_and_the_flow()
    {
        var path = CreateSession(3);
        Guid damaged;
        using (var store = SessionStore.Open(path))
        {
            damaged = store.ReadSummaries().ElementAt(1).Id;
        }

        using (var connection = Raw(path))
        {
            Execute(connection, $"UPDATE flow_00000 SET timestamp = {long.MaxValue} WHERE seq = 2");
        }

        using var reopened = SessionStore.Open(path, readOnly: true);
        var error = Assert.Throws<SessionStoreException>(() => reopened.ReadSummaries().ToList());

        Assert.That(error!.Error, Is.EqualTo(SessionStoreError.Corrupt));
        Assert.That(error.Message, Does.Contain(path).And.Contain(damaged.ToString()).And.Contain("creation time"));
    }

    private string CreateSession(int flows)
    {
        var path = _temp.File($"{Guid.NewGuid():N}.session");
        using var store = SessionStore.Open(path);
        store.WriteBatch([.. Enumerable.Range(0, flows).Select(i => SampleFlows.Simple(i, responseBytes: 2000))]);
        return path;
    }

    private static SqliteConnection Raw(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void AssertUnchanged(string path, byte[] before) =>
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before).AsCollection, $"{path} was changed");

    // chmod 0444 (the read-only attribute on Windows) stops an ordinary user; root ignores it, so as root the file is
    // made immutable (chattr +i) instead.
    private static void MakeReadOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, FileAttributes.ReadOnly);
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            if (CanOpenForWriting(path) && Run("chattr", "+i", path) != 0)
            {
                Assert.Ignore("This process can write to read-only files (root) and cannot make one immutable with chattr +i.");
            }
        }

        Assert.That(CanOpenForWriting(path), Is.False, "the test could not make the file read-only");
    }

    private static void UndoReadOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, FileAttributes.Normal);
        }
        else
        {
            Run("chattr", "-i", path);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static bool CanOpenForWriting(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int Run(string program, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
