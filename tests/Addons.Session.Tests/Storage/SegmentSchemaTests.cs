using Addons.Session.Storage;
using Microsoft.Data.Sqlite;

namespace Addons.Session.Tests.Storage;

/// <summary>
/// The schema a session file gets, as <c>sqlite_master</c> holds it. The expected text was dumped from files the store
/// wrote before its SQL was generated from the segment columns: an accidental change to the generated or the
/// migration SQL changes the files this build writes, and fails here.
/// </summary>
public sealed class SegmentSchemaTests
{
    private TempDirectory _temp = null!;

    [SetUp]
    public void SetUp() => _temp = new TempDirectory();

    [TearDown]
    public void TearDown() => _temp.Dispose();

    [Test]
    public void A_new_file_has_the_pinned_schema_and_a_cleared_one_has_it_again()
    {
        var path = _temp.File("s.session");
        using (SessionStore.Open(path))
        {
        }

        Assert.That(Schema(path), Is.EqualTo(OneSegment), "new");

        var segmented = _temp.File("segmented.session");
        using (var store = SessionStore.Open(segmented, new SessionStoreOptions { SegmentRows = 2 }))
        {
            store.WriteBatch(Enumerable.Range(0, 5).Select(i => SampleFlows.Simple(i)).ToList());
        }

        Assert.That(Schema(segmented), Is.EqualTo(ThreeSegments), "two full segments, indexed, and one being filled");

        using (var store = SessionStore.Open(segmented))
        {
            store.Clear();
        }

        Assert.That(Schema(segmented), Is.EqualTo(OneSegment), "cleared");
    }

    [Test]
    public void A_version_1_file_migrates_to_the_pinned_schema()
    {
        var path = _temp.File("v1.session");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            Execute(connection, transaction, "PRAGMA user_version = 2");
            foreach (var statement in SessionSchema.Migrations[0].Statements)
            {
                Execute(connection, transaction, statement);
            }

            Execute(connection, transaction, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)");
            Execute(connection, transaction, "INSERT INTO schema_version VALUES (1, '2026-11-01', 'v1')");
            var codec = new FlowCodec(SessionStoreOptions.DefaultBodyThreshold);
            for (var seq = 1; seq <= 5; seq++)
            {
                var flow = SampleFlows.Simple(seq);
                var record = new System.Buffers.ArrayBufferWriter<byte>();
                codec.Encode(flow, record);
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO flow (seq, id, timestamp, method, host, url, status, request_size, response_size, bodies_apart, record) VALUES ($seq, $id, 0, 'GET', 'h', 'u', 200, 0, 0, 0, $record)";
                insert.Parameters.AddWithValue("$seq", seq);
                insert.Parameters.AddWithValue("$id", flow.Id.ToByteArray(bigEndian: true));
                insert.Parameters.AddWithValue("$record", record.WrittenSpan.ToArray());
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        using (SessionStore.Open(path))
        {
        }

        Assert.That(Schema(path), Is.EqualTo(ThreeSegments));
    }

    [Test]
    public void The_statements_generated_from_the_segment_columns_are_pinned()
    {
        const string Columns = "id, timestamp, method, host, url, status, request_size, response_size, marker, error, pretty_url, pretty_host";
        Assert.Multiple(() =>
        {
            Assert.That(SegmentColumns.CreateTable("flow_00007"), Is.EqualTo("""
                CREATE TABLE flow_00007 (
                    seq INTEGER PRIMARY KEY,
                    id BLOB NOT NULL,
                    timestamp INTEGER NOT NULL,
                    method TEXT NOT NULL,
                    host TEXT NOT NULL,
                    url TEXT NOT NULL,
                    status INTEGER,
                    request_size INTEGER,
                    response_size INTEGER,
                    marker TEXT NOT NULL DEFAULT '',
                    error INTEGER NOT NULL DEFAULT 0,
                    pretty_url TEXT,
                    pretty_host TEXT
                )
                """));
            Assert.That(SegmentColumns.CreateIndexes("flow_00007"), Is.EqualTo(new[]
            {
                "CREATE INDEX IF NOT EXISTS flow_00007_timestamp ON flow_00007 (timestamp)",
                "CREATE INDEX IF NOT EXISTS flow_00007_method ON flow_00007 (method)",
                "CREATE INDEX IF NOT EXISTS flow_00007_host ON flow_00007 (host)",
                "CREATE INDEX IF NOT EXISTS flow_00007_url ON flow_00007 (url)",
                "CREATE INDEX IF NOT EXISTS flow_00007_status ON flow_00007 (status)",
                "CREATE INDEX IF NOT EXISTS flow_00007_request_size_response_size ON flow_00007 (request_size, response_size)",
            }));
            Assert.That(SegmentColumns.ViewSelect("flow_00007"), Is.EqualTo($"SELECT seq, {Columns} FROM flow_00007"));
            Assert.That(SegmentColumns.Insert("flow_00007"), Is.EqualTo($"INSERT INTO flow_00007 (seq, {Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"));
            Assert.That(SegmentColumns.Update("flow_00007"), Is.EqualTo(
                "UPDATE flow_00007 SET id = ?2, timestamp = ?3, method = ?4, host = ?5, url = ?6, status = ?7, request_size = ?8, "
                + "response_size = ?9, marker = ?10, error = ?11, pretty_url = ?12, pretty_host = ?13 WHERE seq = ?1"));
            Assert.That(SegmentColumns.SummaryNames, Is.EqualTo(Columns));
            Assert.That(SegmentColumns.SummaryCount, Is.EqualTo(12));
        });
    }

    /// <summary>Every table, index and view of the file, by name: type, name and the SQL SQLite keeps of it.</summary>
    private static string Schema(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT type, name, sql FROM sqlite_master ORDER BY name";
        using var reader = command.ExecuteReader();
        var entries = new List<string>();
        while (reader.Read())
        {
            entries.Add($"{reader.GetString(0)} {reader.GetString(1)}: {(reader.IsDBNull(2) ? "<null>" : reader.GetString(2))}");
        }

        return string.Join("\n", entries);
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private const string OneSegment =
        """
        table body: CREATE TABLE body (
            flow INTEGER NOT NULL,
            side INTEGER NOT NULL,
            content BLOB NOT NULL,
            PRIMARY KEY (flow, side)
        )
        view flow: CREATE VIEW flow AS SELECT c.*, r.bodies_apart, r.record FROM (SELECT seq, id, timestamp, method, host, url, status, request_size, response_size, marker, error, pretty_url, pretty_host FROM flow_00000) c JOIN record r ON r.seq = c.seq
        table flow_00000: CREATE TABLE flow_00000 (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL,
            timestamp INTEGER NOT NULL,
            method TEXT NOT NULL,
            host TEXT NOT NULL,
            url TEXT NOT NULL,
            status INTEGER,
            request_size INTEGER,
            response_size INTEGER,
            marker TEXT NOT NULL DEFAULT '',
            error INTEGER NOT NULL DEFAULT 0,
            pretty_url TEXT,
            pretty_host TEXT
        )
        table record: CREATE TABLE record (seq INTEGER PRIMARY KEY, bodies_apart INTEGER NOT NULL, record BLOB NOT NULL)
        table schema_version: CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)
        table setting: CREATE TABLE setting (
            flow_id BLOB NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (flow_id, key)
        ) WITHOUT ROWID
        index sqlite_autoindex_body_1: <null>
        """;

    private const string ThreeSegments =
        """
        table body: CREATE TABLE body (
            flow INTEGER NOT NULL,
            side INTEGER NOT NULL,
            content BLOB NOT NULL,
            PRIMARY KEY (flow, side)
        )
        view flow: CREATE VIEW flow AS SELECT c.*, r.bodies_apart, r.record FROM (SELECT seq, id, timestamp, method, host, url, status, request_size, response_size, marker, error, pretty_url, pretty_host FROM flow_00000 UNION ALL SELECT seq, id, timestamp, method, host, url, status, request_size, response_size, marker, error, pretty_url, pretty_host FROM flow_00001 UNION ALL SELECT seq, id, timestamp, method, host, url, status, request_size, response_size, marker, error, pretty_url, pretty_host FROM flow_00002) c JOIN record r ON r.seq = c.seq
        table flow_00000: CREATE TABLE flow_00000 (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL,
            timestamp INTEGER NOT NULL,
            method TEXT NOT NULL,
            host TEXT NOT NULL,
            url TEXT NOT NULL,
            status INTEGER,
            request_size INTEGER,
            response_size INTEGER,
            marker TEXT NOT NULL DEFAULT '',
            error INTEGER NOT NULL DEFAULT 0,
            pretty_url TEXT,
            pretty_host TEXT
        )
        index flow_00000_host: CREATE INDEX flow_00000_host ON flow_00000 (host)
        index flow_00000_method: CREATE INDEX flow_00000_method ON flow_00000 (method)
        index flow_00000_request_size_response_size: CREATE INDEX flow_00000_request_size_response_size ON flow_00000 (request_size, response_size)
        index flow_00000_status: CREATE INDEX flow_00000_status ON flow_00000 (status)
        index flow_00000_timestamp: CREATE INDEX flow_00000_timestamp ON flow_00000 (timestamp)
        index flow_00000_url: CREATE INDEX flow_00000_url ON flow_00000 (url)
        table flow_00001: CREATE TABLE flow_00001 (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL,
            timestamp INTEGER NOT NULL,
            method TEXT NOT NULL,
            host TEXT NOT NULL,
            url TEXT NOT NULL,
            status INTEGER,
            request_size INTEGER,
            response_size INTEGER,
            marker TEXT NOT NULL DEFAULT '',
            error INTEGER NOT NULL DEFAULT 0,
            pretty_url TEXT,
            pretty_host TEXT
        )
        index flow_00001_host: CREATE INDEX flow_00001_host ON flow_00001 (host)
        index flow_00001_method: CREATE INDEX flow_00001_method ON flow_00001 (method)
        index flow_00001_request_size_response_size: CREATE INDEX flow_00001_request_size_response_size ON flow_00001 (request_size, response_size)
        index flow_00001_status: CREATE INDEX flow_00001_status ON flow_00001 (status)
        index flow_00001_timestamp: CREATE INDEX flow_00001_timestamp ON flow_00001 (timestamp)
        index flow_00001_url: CREATE INDEX flow_00001_url ON flow_00001 (url)
        table flow_00002: CREATE TABLE flow_00002 (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL,
            timestamp INTEGER NOT NULL,
            method TEXT NOT NULL,
            host TEXT NOT NULL,
            url TEXT NOT NULL,
            status INTEGER,
            request_size INTEGER,
            response_size INTEGER,
            marker TEXT NOT NULL DEFAULT '',
            error INTEGER NOT NULL DEFAULT 0,
            pretty_url TEXT,
            pretty_host TEXT
        )
        table record: CREATE TABLE record (seq INTEGER PRIMARY KEY, bodies_apart INTEGER NOT NULL, record BLOB NOT NULL)
        table schema_version: CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, description TEXT NOT NULL)
        table setting: CREATE TABLE setting (
            flow_id BLOB NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (flow_id, key)
        ) WITHOUT ROWID
        index sqlite_autoindex_body_1: <null>
        """;
}
