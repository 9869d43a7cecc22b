using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;

namespace Addons.Session.Storage;

/// <summary>
/// Writes protobuf wire format in one pass into a growable array, without allocating once the array has grown to the
/// usual record size: the generated message classes would need a <see cref="ByteString"/> per header and body.
/// A nested message reserves room for its length (<see cref="BeginNested"/>), and <see cref="EndNested"/> writes the
/// length once the content is written, moving the content when the length needs more or fewer bytes than reserved,
/// so the output is the canonical encoding (what the generated serializer writes: the tests compare the two).
/// Field numbers come from the generated code.
/// </summary>
internal ref struct ProtoWriter
{
    // Longest UTF-8 form of a UTF-16 string of n chars: 3n bytes (a surrogate pair is 4 bytes for 2 chars).
    private const int MaxUtf8BytesPerChar = 3;

    // A string of at most this many chars has a UTF-8 form under 128 bytes, so its length fits the one byte reserved.
    private const int ShortString = 127 / MaxUtf8BytesPerChar;

    private byte[] _buffer;
    private int _position;

    public ProtoWriter(byte[] buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>The array written into; a new one when it had to grow.</summary>
    public readonly byte[] Buffer => _buffer;

    /// <summary>What has been written.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _position);

    /// <summary>An int32 field as protobuf writes it: negative values sign-extended to ten bytes.</summary>
    public void WriteInt32(int fieldNumber, int value) => WriteInt64(fieldNumber, value);

    public void WriteInt64(int fieldNumber, long value)
    {
        Ensure(15);
        PutVarint((uint)((fieldNumber << 3) | (int)WireFormat.WireType.Varint));
        PutVarint((ulong)value);
    }

    public void WriteBool(int fieldNumber, bool value)
    {
        Ensure(6);
        PutVarint((uint)((fieldNumber << 3) | (int)WireFormat.WireType.Varint));
        _buffer[_position++] = value ? (byte)1 : (byte)0;
    }

    public void WriteBytes(int fieldNumber, ReadOnlySpan<byte> value)
    {
        LengthDelimited(fieldNumber, value.Length);
        value.CopyTo(_buffer.AsSpan(_position));
        _position += value.Length;
    }

    /// <summary>A string field, UTF-8 encoded (a lone surrogate becomes U+FFFD, as <see cref="Encoding.UTF8"/> writes it).</summary>
    public void WriteString(int fieldNumber, string value)
    {
        if (value.Length <= ShortString)
        {
            // Short: transcode straight after a one-byte length and fill it in, instead of counting the bytes first.
            Ensure(6 + (value.Length * MaxUtf8BytesPerChar));
            PutVarint((uint)((fieldNumber << 3) | (int)WireFormat.WireType.LengthDelimited));
            var length = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position + 1));
            _buffer[_position] = (byte)length;
            _position += 1 + length;
            return;
        }

        var count = Encoding.UTF8.GetByteCount(value);
        LengthDelimited(fieldNumber, count);
        _position += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position));
    }

    /// <summary>A bytes field holding a Latin-1 string, one byte per character (all must be at most U+00FF).</summary>
    public void WriteLatin1(int fieldNumber, string value)
    {
        LengthDelimited(fieldNumber, value.Length);
        _position += Encoding.Latin1.GetBytes(value, _buffer.AsSpan(_position));
    }

    /// <summary>A bytes field holding a string's UTF-16 code units, little-endian: lossless for any string.</summary>
    public void WriteUtf16(int fieldNumber, string value)
    {
        LengthDelimited(fieldNumber, value.Length * 2);
        var target = _buffer.AsSpan(_position, value.Length * 2);
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(value.AsSpan()).CopyTo(target);
        }
        else
        {
            for (var i = 0; i < value.Length; i++)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(target[(2 * i)..], value[i]);
            }
        }

        _position += target.Length;
    }

    /// <summary>A bytes field holding a UUID in RFC 9562 (big-endian) byte order.</summary>
    public void WriteGuid(int fieldNumber, Guid value)
    {
        LengthDelimited(fieldNumber, 16);
        value.TryWriteBytes(_buffer.AsSpan(_position, 16), bigEndian: true, out _);
        _position += 16;
    }

    /// <summary>
    /// Starts a nested message, reserving <paramref name="reserve"/> bytes (1 to 5) for its length: 1 for a message
    /// usually under 128 bytes, 2 for one usually under 16 KiB. A wrong guess costs one move of the content.
    /// </summary>
    public NestedMessage BeginNested(int fieldNumber, int reserve)
    {
        Ensure(5 + reserve);
        PutVarint((uint)((fieldNumber << 3) | (int)WireFormat.WireType.LengthDelimited));
        _position += reserve;
        return new NestedMessage(_position, reserve);
    }

    /// <summary>Ends the nested message <paramref name="nested"/> began: writes its length before its content.</summary>
    public void EndNested(NestedMessage nested)
    {
        var length = _position - nested.Start;
        var size = VarintSize((uint)length);
        if (size != nested.Reserved)
        {
            var shift = size - nested.Reserved;
            Ensure(Math.Max(0, shift));
            _buffer.AsSpan(nested.Start, length).CopyTo(_buffer.AsSpan(nested.Start + shift));
            _position += shift;
        }

        var at = nested.Start - nested.Reserved;
        var value = (uint)length;
        for (var i = 1; i < size; i++)
        {
            _buffer[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[at] = (byte)value;
    }

    private static int VarintSize(uint value) => (BitOperations.Log2(value | 1) / 7) + 1;

    /// <summary>The tag and length of a length-delimited field, with room made for its <paramref name="length"/> bytes.</summary>
    private void LengthDelimited(int fieldNumber, int length)
    {
        Ensure(10 + length);
        PutVarint((uint)((fieldNumber << 3) | (int)WireFormat.WireType.LengthDelimited));
        PutVarint((uint)length);
    }

    /// <summary>Writes a varint where <see cref="Ensure"/> made room for it.</summary>
    private void PutVarint(ulong value)
    {
        var buffer = _buffer;
        var position = _position;
        while (value >= 0x80)
        {
            buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[position++] = (byte)value;
        _position = position;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ensure(int count)
    {
        if (_buffer.Length - _position < count)
        {
            Grow(count);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int count)
    {
        var grown = new byte[Math.Max(_buffer.Length * 2, _position + count + 1024)];
        _buffer.AsSpan(0, _position).CopyTo(grown);
        _buffer = grown;
    }
}
