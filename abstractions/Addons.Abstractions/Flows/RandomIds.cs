using System.Security.Cryptography;

namespace Addons.Abstractions.Flows;

/// <summary>
/// Random (version 4) UUIDs for flows and connections, drawn from the operating system's secure generator in blocks:
/// <see cref="Guid.NewGuid"/> costs a system call each on Linux (a read of <c>/dev/urandom</c>), and every proxied
/// request makes a flow and its two connection models.
/// </summary>
internal static class RandomIds
{
    private const int IdsPerBlock = 256;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_next;

    /// <summary>A new random UUID, version 4 and RFC 9562 variant as <see cref="Guid.NewGuid"/> makes them.</summary>
    public static Guid Next()
    {
        var block = t_block ??= new byte[IdsPerBlock * 16];
        if (t_next == 0)
        {
            RandomNumberGenerator.Fill(block);
        }

        var bytes = block.AsSpan(t_next * 16, 16);
        t_next = (t_next + 1) % IdsPerBlock;
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
