namespace Addons.Session.Bench;

/// <summary>How a raw-insert case keys its rows.</summary>
internal enum RowKey
{
    /// <summary>Only the rowid (INTEGER PRIMARY KEY, insertion order); the flow id is not stored.</summary>
    Rowid,

    /// <summary>The rowid plus the flow's UUID in a column, under the (seq, id) index the store reads to map ids to rows.</summary>
    RowidWithIdColumn,

    /// <summary>The rowid plus the flow's UUID in a column without any index.</summary>
    RowidWithUnindexedIdColumn,

    /// <summary>The rowid plus a random UUIDv4 column under a UNIQUE index.</summary>
    RandomUuidUniqueIndex,

    /// <summary>The rowid plus a time-ordered UUIDv7 column under a UNIQUE index.</summary>
    TimeOrderedUuidUniqueIndex,

    /// <summary>A random UUIDv4 as the PRIMARY KEY of a WITHOUT ROWID table: every row lands at a random place.</summary>
    RandomUuidPrimaryKey,
}
