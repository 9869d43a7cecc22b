using System.Text;
using Google.Protobuf;

namespace Addons.Session.Storage;

/// <summary>Encoded sizes of protobuf fields, matching what <see cref="ProtoWriter"/> writes.</summary>
internal static class ProtoSize
{
    public static int Tag(int fieldNumber) => CodedOutputStream.ComputeTagSize(fieldNumber);

    public static int Varint(ulong value) => CodedOutputStream.ComputeRawVarint64Size(value);

    public static int Int32(int fieldNumber, int value) => Tag(fieldNumber) + Varint((ulong)(long)value);

    public static int Int64(int fieldNumber, long value) => Tag(fieldNumber) + Varint((ulong)value);

    public static int Bool(int fieldNumber) => Tag(fieldNumber) + 1;

    /// <summary>A length-delimited field (nested message, bytes, string) whose content is <paramref name="length"/> bytes.</summary>
    public static int LengthDelimited(int fieldNumber, int length) => Tag(fieldNumber) + Varint((uint)length) + length;

    public static int Utf8(string value) => Encoding.UTF8.GetByteCount(value);

    public static int String(int fieldNumber, string value) => LengthDelimited(fieldNumber, Utf8(value));

    public static int Guid(int fieldNumber) => LengthDelimited(fieldNumber, 16);
}
