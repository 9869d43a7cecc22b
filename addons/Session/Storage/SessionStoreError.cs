namespace Addons.Session.Storage;

/// <summary>Why a session file could not be opened, read or written; lets the addon decide how to carry on.</summary>
internal enum SessionStoreError
{
    /// <summary>Any other failure (the message says what SQLite reported).</summary>
    Other,

    /// <summary>The file does not exist (read-only open) or its folder does not.</summary>
    NotFound,

    /// <summary>The file is not a SQLite database at all.</summary>
    NotADatabase,

    /// <summary>The file is a SQLite database without the session schema.</summary>
    NotASession,

    /// <summary>The file's schema version is newer than this build reads.</summary>
    NewerSchema,

    /// <summary>SQLite found damaged pages, or a flow record does not decode.</summary>
    Corrupt,

    /// <summary>Another connection holds a lock on the file.</summary>
    Locked,

    /// <summary>The disk is full or the store's size cap was reached.</summary>
    Full,

    /// <summary>The file or the store is read-only and a write was asked for.</summary>
    ReadOnly,

    /// <summary>The operating system reported an I/O error.</summary>
    IoError,
}
