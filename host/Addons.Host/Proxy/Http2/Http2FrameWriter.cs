using System.Buffers;
using System.Buffers.Binary;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// Writes HTTP/2 frames into a buffer writer (RFC 9113 sections 4 and 6), typically the connection's single
/// <see cref="System.IO.Pipelines.PipeWriter"/>; nothing is flushed. Arguments the RFC forbids sending (stream 0 for
/// DATA, an increment of 0, ...) are programming errors and throw <see cref="ArgumentException"/>. Flow control and
/// the peer's SETTINGS_MAX_FRAME_SIZE are the caller's: it passes the limit in and writes only what the windows allow.
/// </summary>
internal static class Http2FrameWriter
{
    /// <summary>The client connection preface (RFC 9113 section 3.4), followed on the wire by a SETTINGS frame.</summary>
    public static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>Writes <see cref="ClientPreface"/>.</summary>
    public static void WriteClientPreface(IBufferWriter<byte> writer) => writer.Write(ClientPreface);

    /// <summary>Writes a frame header alone; the caller writes exactly <paramref name="length"/> payload bytes after it.</summary>
    public static void WriteFrameHeader(IBufferWriter<byte> writer, int length, Http2FrameType type, Http2FrameFlags flags, int streamId)
    {
        new Http2FrameHeader(length, type, flags, streamId).Write(writer.GetSpan(Http2FrameHeader.Size));
        writer.Advance(Http2FrameHeader.Size);
    }

    /// <summary>Writes a whole frame of any type, unknown ones included, with the payload as given.</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, Http2FrameType type, Http2FrameFlags flags, int streamId, ReadOnlySpan<byte> payload)
    {
        WriteFrameHeader(writer, payload.Length, type, flags, streamId);
        writer.Write(payload);
    }

    /// <summary>
    /// Writes a SETTINGS frame with the parameters in order (section 6.5); the peer applies them in that order.
    /// </summary>
    public static void WriteSettings(IBufferWriter<byte> writer, ReadOnlySpan<Http2Setting> settings)
    {
        // The peer's limit is unknown when the first SETTINGS is sent, so stay within the initial one (section 4.2).
        var length = settings.Length * Http2Setting.Size;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Http2Settings.DefaultMaxFrameSize, nameof(settings));
        var span = writer.GetSpan(Http2FrameHeader.Size + length);
        new Http2FrameHeader(length, Http2FrameType.Settings, Http2FrameFlags.None, 0).Write(span);
        var offset = Http2FrameHeader.Size;
        foreach (var setting in settings)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[offset..], (ushort)setting.Id);
            BinaryPrimitives.WriteUInt32BigEndian(span[(offset + 2)..], setting.Value);
            offset += Http2Setting.Size;
        }

        writer.Advance(offset);
    }

    /// <summary>Writes the empty SETTINGS frame with ACK that acknowledges the peer's settings (section 6.5.3).</summary>
    public static void WriteSettingsAck(IBufferWriter<byte> writer) =>
        WriteFrameHeader(writer, 0, Http2FrameType.Settings, Http2FrameFlags.Ack, 0);

    /// <summary>
    /// Writes a PING frame (section 6.7): a request, or with <paramref name="ack"/> the answer echoing the request's
    /// <paramref name="opaqueData"/> as <see cref="Http2FrameReader.ReadPing"/> returned it.
    /// </summary>
    public static void WritePing(IBufferWriter<byte> writer, ulong opaqueData, bool ack)
    {
        var span = writer.GetSpan(Http2FrameHeader.Size + 8);
        new Http2FrameHeader(8, Http2FrameType.Ping, ack ? Http2FrameFlags.Ack : Http2FrameFlags.None, 0).Write(span);
        BinaryPrimitives.WriteUInt64BigEndian(span[Http2FrameHeader.Size..], opaqueData);
        writer.Advance(Http2FrameHeader.Size + 8);
    }

    /// <summary>Writes a WINDOW_UPDATE frame for a stream, or for the connection on stream 0 (section 6.9).</summary>
    public static void WriteWindowUpdate(IBufferWriter<byte> writer, int streamId, int increment)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(increment, 1); // section 6.9: an increment of 0 is an error
        var span = writer.GetSpan(Http2FrameHeader.Size + 4);
        new Http2FrameHeader(4, Http2FrameType.WindowUpdate, Http2FrameFlags.None, streamId).Write(span);
        BinaryPrimitives.WriteInt32BigEndian(span[Http2FrameHeader.Size..], increment);
        writer.Advance(Http2FrameHeader.Size + 4);
    }

    /// <summary>Writes an RST_STREAM frame (section 6.4).</summary>
    public static void WriteRstStream(IBufferWriter<byte> writer, int streamId, Http2ErrorCode code)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(streamId, 1); // section 6.4: never on stream 0
        var span = writer.GetSpan(Http2FrameHeader.Size + 4);
        new Http2FrameHeader(4, Http2FrameType.RstStream, Http2FrameFlags.None, streamId).Write(span);
        BinaryPrimitives.WriteUInt32BigEndian(span[Http2FrameHeader.Size..], (uint)code);
        writer.Advance(Http2FrameHeader.Size + 4);
    }

    /// <summary>
    /// Writes a GOAWAY frame (section 6.8). Debug data beyond what fits the initial frame size is cut off: it is only
    /// diagnostic, and the peer's limit may not be known yet.
    /// </summary>
    public static void WriteGoAway(IBufferWriter<byte> writer, int lastStreamId, Http2ErrorCode code, ReadOnlySpan<byte> debugData = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastStreamId);
        if (debugData.Length > Http2Settings.DefaultMaxFrameSize - 8)
        {
            debugData = debugData[..(Http2Settings.DefaultMaxFrameSize - 8)];
        }

        var span = writer.GetSpan(Http2FrameHeader.Size + 8);
        new Http2FrameHeader(8 + debugData.Length, Http2FrameType.GoAway, Http2FrameFlags.None, 0).Write(span);
        BinaryPrimitives.WriteInt32BigEndian(span[Http2FrameHeader.Size..], lastStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(span[(Http2FrameHeader.Size + 4)..], (uint)code);
        writer.Advance(Http2FrameHeader.Size + 8);
        writer.Write(debugData);
    }

    /// <summary>Writes a PRIORITY frame (section 6.3); <see cref="Http2Priority.Weight"/> is 1 to 256.</summary>
    public static void WritePriority(IBufferWriter<byte> writer, int streamId, Http2Priority priority)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(streamId, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(priority.StreamDependency);
        ArgumentOutOfRangeException.ThrowIfLessThan(priority.Weight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority.Weight, 256);
        var span = writer.GetSpan(Http2FrameHeader.Size + Http2Priority.Size);
        new Http2FrameHeader(Http2Priority.Size, Http2FrameType.Priority, Http2FrameFlags.None, streamId).Write(span);
        var dependency = (uint)priority.StreamDependency | (priority.Exclusive ? 0x80000000u : 0);
        BinaryPrimitives.WriteUInt32BigEndian(span[Http2FrameHeader.Size..], dependency);
        span[Http2FrameHeader.Size + 4] = (byte)(priority.Weight - 1);
        writer.Advance(Http2FrameHeader.Size + Http2Priority.Size);
    }

    /// <summary>
    /// Writes <paramref name="data"/> as DATA frames of at most <paramref name="maxFrameSize"/> bytes, unpadded
    /// (section 6.1). END_STREAM goes on the last frame only; empty data with <paramref name="endStream"/> is one
    /// empty DATA frame with END_STREAM, and without it nothing is written.
    /// </summary>
    public static void WriteData(IBufferWriter<byte> writer, int streamId, ReadOnlySpan<byte> data, bool endStream, int maxFrameSize)
    {
        ValidateStreamFrame(streamId, maxFrameSize);
        if (data.IsEmpty && endStream)
        {
            WriteFrameHeader(writer, 0, Http2FrameType.Data, Http2FrameFlags.EndStream, streamId);
            return;
        }

        while (!data.IsEmpty)
        {
            var length = Math.Min(data.Length, maxFrameSize);
            var flags = endStream && length == data.Length ? Http2FrameFlags.EndStream : Http2FrameFlags.None;
            WriteFrame(writer, Http2FrameType.Data, flags, streamId, data[..length]);
            data = data[length..];
        }
    }

    /// <inheritdoc cref="WriteData(IBufferWriter{byte}, int, ReadOnlySpan{byte}, bool, int)"/>
    public static void WriteData(IBufferWriter<byte> writer, int streamId, in ReadOnlySequence<byte> data, bool endStream, int maxFrameSize)
    {
        if (data.IsSingleSegment)
        {
            WriteData(writer, streamId, data.FirstSpan, endStream, maxFrameSize);
            return;
        }

        ValidateStreamFrame(streamId, maxFrameSize);
        var rest = data;
        while (!rest.IsEmpty)
        {
            var length = (int)Math.Min(rest.Length, maxFrameSize);
            var flags = endStream && length == rest.Length ? Http2FrameFlags.EndStream : Http2FrameFlags.None;
            WriteFrameHeader(writer, length, Http2FrameType.Data, flags, streamId);
            var chunk = rest.Slice(0, length);
            foreach (var segment in chunk)
            {
                writer.Write(segment.Span);
            }

            rest = rest.Slice(chunk.End);
        }
    }

    /// <summary>
    /// Writes an encoded field block as a HEADERS frame followed by as many CONTINUATION frames as
    /// <paramref name="maxFrameSize"/> requires (sections 4.3, 6.2, 6.10): END_STREAM on the HEADERS frame when
    /// <paramref name="endStream"/>, END_HEADERS on the last frame only. Nothing else may be written to the connection
    /// in between (section 4.3), which one call guarantees.
    /// </summary>
    public static void WriteHeaders(IBufferWriter<byte> writer, int streamId, ReadOnlySpan<byte> fieldBlock, bool endStream, int maxFrameSize)
    {
        ValidateStreamFrame(streamId, maxFrameSize);
        var type = Http2FrameType.Headers;
        var flags = endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None;
        do
        {
            var length = Math.Min(fieldBlock.Length, maxFrameSize);
            if (length == fieldBlock.Length)
            {
                flags |= Http2FrameFlags.EndHeaders;
            }

            WriteFrame(writer, type, flags, streamId, fieldBlock[..length]);
            fieldBlock = fieldBlock[length..];
            type = Http2FrameType.Continuation;
            flags = Http2FrameFlags.None; // END_STREAM belongs to HEADERS; CONTINUATION defines only END_HEADERS
        }
        while (!fieldBlock.IsEmpty);
    }

    private static void ValidateStreamFrame(int streamId, int maxFrameSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(streamId, 1); // sections 6.1, 6.2: never on stream 0
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFrameSize, Http2FrameHeader.MaxLength);
    }
}
