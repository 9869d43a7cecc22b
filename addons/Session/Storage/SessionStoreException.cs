namespace Addons.Session.Storage;

/// <summary>
/// A session file could not be opened, read or written. The message is one sentence that names the file and the
/// reason; <see cref="Error"/> classifies it. The store never truncates or overwrites a file it failed on.
/// </summary>
internal sealed class SessionStoreException : Exception
{
    public SessionStoreException(string path, SessionStoreError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
        Error = error;
    }

    /// <summary>The session file's full path.</summary>
    public string Path { get; }

    /// <summary>What went wrong.</summary>
    public SessionStoreError Error { get; }
}
