using System.Buffers.Binary;
using System.Text;
using Google.Protobuf;

namespace Addons.Session.Storage;

/// <summary>
/// Writes protobuf wire format into a span sized beforehand (see <see cref="FlowCodec"/>), without allocating: the
/// generated message classes would need a <see cref="ByteString"/> per header and body. Field numbers come from the
/// generated code, and the tests parse what this writes with the generated parser.
/// </summary>
internal ref struct ProtoWriter
{
    private readonly Span<byte> _span;
    private int _position;

    public ProtoWriter(Span<byte> span)
    {
        _span = span;
        _position = 0;
    }

    /// <summary>How many bytes have been written.</summary>
    public readonly int Position => _position;

    public void WriteTag(int fieldNumber, WireFormat.WireType type) => WriteVarint((uint)((fieldNumber << 3) | (int)type));

    public void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _span[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _span[_position++] = (byte)value;
    }

    /// <summary>An int32 field as protobuf writes it: negative values sign-extended to ten bytes.</summary>
    public void WriteInt32(int fieldNumber, int value)
    {
        WriteTag(fieldNumber, WireFormat.WireType.Varint);
        WriteVarint((ulong)(long)value);
    }

    public void WriteInt64(int fieldNumber, long value)
    {
        WriteTag(fieldNumber, WireFormat.WireType.Varint);
        WriteVarint((ulong)value);
    }

    public void WriteBool(int fieldNumber, bool value)
    {
        WriteTag(fieldNumber, WireFormat.WireType.Varint);
        _span[_position++] = value ? (byte)1 : (byte)0;
    }

    /// <summary>The header of a length-delimited field (a nested message, bytes or a string) of <paramref name="length"/> bytes.</summary>
    public void WriteLengthDelimited(int fieldNumber, int length)
    {
        WriteTag(fieldNumber, WireFormat.WireType.LengthDelimited);
        WriteVarint((uint)length);
    }

    public void WriteBytes(int fieldNumber, ReadOnlySpan<byte> value)
    {
        WriteLengthDelimited(fieldNumber, value.Length);
        value.CopyTo(_span[_position..]);
        _position += value.Length;
    }

    /// <summary>A string field, UTF-8 encoded; <paramref name="byteCount"/> is <see cref="ProtoSize.Utf8(string)"/>.</summary>
    public void WriteString(int fieldNumber, string value, int byteCount)
    {
        WriteLengthDelimited(fieldNumber, byteCount);
        _position += Encoding.UTF8.GetBytes(value.AsSpan(), _span[_position..]);
    }

    /// <summary>A bytes field holding a Latin-1 string, one byte per character (all must be at most U+00FF).</summary>
    public void WriteLatin1(int fieldNumber, string value)
    {
        WriteLengthDelimited(fieldNumber, value.Length);
        _position += Encoding.Latin1.GetBytes(value.AsSpan(), _span[_position..]);
    }

    /// <summary>A bytes field holding a string's UTF-16 code units, little-endian: lossless for any string.</summary>
    public void WriteUtf16(int fieldNumber, string value)
    {
        WriteLengthDelimited(fieldNumber, value.Length * 2);
        foreach (var c in value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_span[_position..], c);
            _position += 2;
        }
    }

    /// <summary>A bytes field holding a UUID in RFC 9562 (big-endian) byte order.</summary>
    public void WriteGuid(int fieldNumber, Guid value)
    {
        WriteLengthDelimited(fieldNumber, 16);
        value.TryWriteBytes(_span.Slice(_position, 16), bigEndian: true, out _);
        _position += 16;
    }
}
