using Microsoft.Data.Sqlite;

namespace Addons.Session.Storage;

/// <summary>A flow id as the session file stores it: its 16 bytes in big-endian (RFC 4122) order.</summary>
internal static class StoredId
{
    public const int Length = 16;

    public static void Write(Guid id, Span<byte> bytes) => id.TryWriteBytes(bytes, bigEndian: true, out _);

    /// <exception cref="InvalidDataException">The stored value is not 16 bytes long.</exception>
    public static Guid Read(SqliteDataReader reader, int ordinal)
    {
        var bytes = (byte[])reader.GetValue(ordinal);
        return bytes.Length == Length ? new Guid(bytes, bigEndian: true) : throw new InvalidDataException($"A stored flow id is {bytes.Length} bytes long instead of 16.");
    }
}
