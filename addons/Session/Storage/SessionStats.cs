namespace Addons.Session.Storage;

/// <summary>How much a session file holds.</summary>
/// <param name="Flows">How many flows are stored.</param>
/// <param name="BodiesApart">How many bodies are stored apart in the body table.</param>
/// <param name="FileBytes">The size of the database file (pages in use and free).</param>
/// <param name="WalBytes">The size of its write-ahead log, not yet checkpointed into the file.</param>
internal readonly record struct SessionStats(long Flows, long BodiesApart, long FileBytes, long WalBytes)
{
    /// <summary>The bytes the session takes on disk.</summary>
    public long TotalBytes => FileBytes + WalBytes;
}
