namespace Addons.Session.Storage;

/// <summary>
/// The session file's SQL schema as an ordered list of migrations. A new file gets all of them; an older file gets
/// those above its recorded version, each in one transaction with its row in <c>schema_version</c>. A file whose version
/// is above <see cref="Version"/> was written by a newer build and is refused.
/// </summary>
internal static class SessionSchema
{
    /// <summary>The schema version of the file this build writes (its tables and columns).</summary>
    public const int Version = 3;

    /// <summary>
    /// The version of the flow records (<c>SchemaVersion.SCHEMA_VERSION_CURRENT</c> in flow.proto, whose package name
    /// carries it) that every file schema so far stores: a new column is not a new record format.
    /// </summary>
    public const int RecordVersion = 1;

    /// <summary>The <c>PRAGMA application_id</c> of session files ("ASES"), so that file(1) and this build can tell them apart.</summary>
    public const int ApplicationId = 0x41534553;

    /// <summary>Every migration, in version order; the last one's version is <see cref="Version"/>.</summary>
    public static IReadOnlyList<SchemaMigration> Migrations { get; } =
    [
        new(1, "flow, body and setting tables", [
            // seq is the rowid: insertion order, so that appends fill the table's B-tree at its right edge. A UNIQUE index
            // on the flow's random UUID would make every insert land at a random place (see SessionStore).
            """
            CREATE TABLE flow (
                seq INTEGER PRIMARY KEY,
                id BLOB NOT NULL,
                timestamp INTEGER NOT NULL,
                method TEXT NOT NULL,
                host TEXT NOT NULL,
                url TEXT NOT NULL,
                status INTEGER,
                request_size INTEGER,
                response_size INTEGER,
                bodies_apart INTEGER NOT NULL,
                record BLOB NOT NULL
            )
            """,
            // Ids in insertion order: appends like the table; read once to map ids to rows.
            "CREATE INDEX flow_seq_id ON flow (seq, id)",
            // Indexes on the columns whose values arrive in order (timestamp) or from a small set (method, host, status),
            // so that inserts append at a few places.
            "CREATE INDEX flow_timestamp ON flow (timestamp)",
            "CREATE INDEX flow_method ON flow (method)",
            "CREATE INDEX flow_host ON flow (host)",
            "CREATE INDEX flow_status ON flow (status)",
            // No index on url or the sizes: their values arrive in random order, so each insert lands on a random page
            // and every batch rewrites most of such an index (bench/session: an url index alone cut the insert rate
            // 2.5x, a size index 1.5x). The View orders by them in memory over the summaries, and url filters are
            // regular expressions, which a B-tree index cannot answer anyway.

            // Bodies above the store's threshold; side 0 = request, 1 = response.
            """
            CREATE TABLE body (
                flow INTEGER NOT NULL,
                side INTEGER NOT NULL,
                content BLOB NOT NULL,
                PRIMARY KEY (flow, side)
            )
            """,
            // Per-flow key/value strings (the View's per-flow settings, addon annotations), kept by flow id so that a
            // setting may be written before its flow's first flush.
            """
            CREATE TABLE setting (
                flow_id BLOB NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (flow_id, key)
            ) WITHOUT ROWID
            """,
            $"PRAGMA application_id = {ApplicationId}",
        ]),
        new(2, "summary columns: marker, error, pretty url and host", [
            // What the View keeps of a cold flow and the filters decide on without decoding its record. pretty_url is
            // null when it is the url; pretty_host is null when the request named no host of its own (Host header).
            "ALTER TABLE flow ADD COLUMN marker TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE flow ADD COLUMN error INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE flow ADD COLUMN pretty_url TEXT",
            "ALTER TABLE flow ADD COLUMN pretty_host TEXT",
        ])
        {
            // Flows stored by version 1 get the new columns from their records.
            Backfill = SchemaBackfill.SummaryColumns,
        },
        new(3, "records apart from the columns, which go to segments indexed in bulk when full", [
            // The records in insertion order, with no index but the key: appends touch one B-tree.
            "CREATE TABLE record (seq INTEGER PRIMARY KEY, bodies_apart INTEGER NOT NULL, record BLOB NOT NULL)",
            "INSERT INTO record (seq, bodies_apart, record) SELECT seq, bodies_apart, record FROM flow",
        ])
        {
            // The columns move to segments (see Segments); the flow table and its indexes go, a view takes its name.
            Backfill = SchemaBackfill.Segments,
        },
    ];
}
