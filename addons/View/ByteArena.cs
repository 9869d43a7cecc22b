namespace Addons.View;

/// <summary>
/// Records appended into chunks of bytes: growing adds a chunk and copies nothing, and the garbage collector sees a
/// chunk per megabyte rather than an object per record. A record lies whole in one chunk; its position is the chunk's
/// number and the offset in it. Records are only appended: one replaced stays as garbage until the owner rewrites the
/// arena (see <see cref="ColdFlows"/>).
/// </summary>
internal sealed class ByteArena
{
    private const int ChunkSize = 1 << 20;

    // Published whole on growth: a reader off the lock sees the old array or the new one, never a torn one.
    private byte[][] _chunks = [];
    private int _count;
    private int _tailUsed;

    /// <summary>The bytes held in chunks, records and the unused ends of chunks.</summary>
    public long Capacity { get; private set; }

    /// <summary>Room for a record of <paramref name="length"/> bytes, to be written now; <paramref name="position"/> finds it again.</summary>
    public Span<byte> Append(int length, out long position)
    {
        if (_count == 0 || _tailUsed + length > _chunks[_count - 1].Length)
        {
            var chunk = GC.AllocateUninitializedArray<byte>(Math.Max(ChunkSize, length));
            if (_count == _chunks.Length)
            {
                var grown = new byte[Math.Max(4, _count * 2)][];
                _chunks.AsSpan(0, _count).CopyTo(grown);
                grown[_count] = chunk;
                Volatile.Write(ref _chunks, grown);
            }
            else
            {
                _chunks[_count] = chunk;
            }

            _count++;
            _tailUsed = 0;
            Capacity += chunk.Length;
        }

        position = ((long)(_count - 1) << 32) | (uint)_tailUsed;
        var room = _chunks[_count - 1].AsSpan(_tailUsed, length);
        _tailUsed += length;
        return room;
    }

    /// <summary>The bytes from a record's start to the end of its chunk (a record knows its own length).</summary>
    public ReadOnlySpan<byte> From(long position)
    {
        var chunks = Volatile.Read(ref _chunks);
        return chunks[(int)(position >> 32)].AsSpan((int)(uint)position);
    }
}
