namespace Addons.Session.Fleet;

/// <summary>
/// The fleet store (PostgreSQL) could not be reached, read or written. The message is one sentence that names the
/// server and database, and the reason.
/// </summary>
internal sealed class FleetStoreException(string message, Exception? innerException = null) : Exception(message, innerException);
