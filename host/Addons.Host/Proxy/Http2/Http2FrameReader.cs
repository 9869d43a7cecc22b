using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// Splits received bytes into HTTP/2 frames and parses their payloads (RFC 9113 sections 3.4, 4 and 6). Stateless: the
/// rules that need the connection's state (stream states, header block sequencing, flow-control windows, SETTINGS
/// acknowledgement) are the connection's. Violations throw <see cref="Http2ConnectionException"/> or
/// <see cref="Http2StreamException"/> with the error code RFC 9113 names. Returned sequences are slices of the read
/// buffer, valid until it is advanced.
/// </summary>
internal static class Http2FrameReader
{
    private const int PadLengthSize = 1;

    /// <summary>
    /// Checks for the client connection preface at the start of <paramref name="buffer"/> (RFC 9113 section 3.4) and,
    /// when it is complete, slices the buffer past it. A mismatch is reported as soon as one byte differs, so a client
    /// speaking something else is not waited on.
    /// </summary>
    public static Http2PrefaceStatus TryReadPreface(ref ReadOnlySequence<byte> buffer)
    {
        var preface = Http2FrameWriter.ClientPreface;
        var compared = 0;
        foreach (var segment in buffer)
        {
            var span = segment.Span;
            var count = Math.Min(span.Length, preface.Length - compared);
            if (!span[..count].SequenceEqual(preface.Slice(compared, count)))
            {
                return Http2PrefaceStatus.Invalid;
            }

            compared += count;
            if (compared == preface.Length)
            {
                buffer = buffer.Slice(preface.Length);
                return Http2PrefaceStatus.Valid;
            }
        }

        return Http2PrefaceStatus.Incomplete;
    }

    /// <summary>
    /// Reads the frame at the start of <paramref name="buffer"/>: false when it is not complete yet; otherwise the
    /// header, the payload (a slice of the buffer) and the buffer sliced past the frame. A length above
    /// <paramref name="maxFrameSize"/> (the SETTINGS_MAX_FRAME_SIZE this endpoint advertised, acknowledged or not yet)
    /// is a FRAME_SIZE_ERROR as soon as the header is buffered, so an oversized frame is never waited for (section 4.2).
    /// Frames of unknown types are returned too; the caller discards them (section 5.5).
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameSize, out Http2FrameHeader header, out ReadOnlySequence<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrameSize, Http2Settings.DefaultMaxFrameSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFrameSize, Http2Settings.MaxFrameSizeLimit);
        header = default;
        payload = default;
        if (buffer.Length < Http2FrameHeader.Size)
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[Http2FrameHeader.Size];
        var read = Http2FrameHeader.Read(Contiguous(buffer, scratch));

        // Section 4.2: any frame may be refused for its size. A FRAME_SIZE_ERROR could be a stream error for some
        // frames, but section 5.4 lets an endpoint treat any stream error as a connection error, and skipping megabytes
        // of a frame the peer should not have sent is not worth it.
        if (read.Length > maxFrameSize)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"A {Describe(read.Type)} frame of {read.Length} bytes exceeds the SETTINGS_MAX_FRAME_SIZE of {maxFrameSize} (RFC 9113 section 4.2).");
        }

        if (buffer.Length - Http2FrameHeader.Size < read.Length)
        {
            return false;
        }

        payload = buffer.Slice(Http2FrameHeader.Size, read.Length);
        header = read;
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>
    /// The data of a DATA frame, padding removed (section 6.1). Flow control counts the whole frame payload, padding
    /// included (section 6.9.1): use <see cref="Http2FrameHeader.Length"/> for it, not the returned length.
    /// </summary>
    public static ReadOnlySequence<byte> ReadData(in Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Debug.Assert(header.Type == Http2FrameType.Data && header.Length == payload.Length);
        if (header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "DATA frame on stream 0 (RFC 9113 section 6.1).");
        }

        return Unpad(header, payload, hasPriority: false, out _);
    }

    /// <summary>
    /// The field block fragment of a HEADERS frame, padding removed, and its deprecated priority fields when the
    /// PRIORITY flag is set (section 6.2). A priority that names the stream itself is a stream error (section 5.3.1)
    /// that is deliberately not thrown here: the fragment must still be decoded, or the HPACK state shared with the
    /// peer diverges (section 4.3). Decode the field block, then call <see cref="ValidatePriority"/>.
    /// </summary>
    public static ReadOnlySequence<byte> ReadHeaders(in Http2FrameHeader header, ReadOnlySequence<byte> payload, out Http2Priority? priority)
    {
        Debug.Assert(header.Type == Http2FrameType.Headers && header.Length == payload.Length);
        if (header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "HEADERS frame on stream 0 (RFC 9113 section 6.2).");
        }

        return Unpad(header, payload, header.HasFlag(Http2FrameFlags.Priority), out priority);
    }

    /// <summary>
    /// The fields of a PRIORITY frame (section 6.3), validated and usually ignored (section 5.3.2). A length other
    /// than 5 and a stream depending on itself are stream errors (sections 6.3, 5.3.1).
    /// </summary>
    public static Http2Priority ReadPriority(in Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Debug.Assert(header.Type == Http2FrameType.Priority && header.Length == payload.Length);
        if (header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "PRIORITY frame on stream 0 (RFC 9113 section 6.3).");
        }

        if (payload.Length != Http2Priority.Size)
        {
            throw new Http2StreamException(header.StreamId, Http2ErrorCode.FrameSizeError,
                $"PRIORITY frame of {payload.Length} bytes on stream {header.StreamId}; it must be {Http2Priority.Size} (RFC 9113 section 6.3).");
        }

        Span<byte> scratch = stackalloc byte[Http2Priority.Size];
        var priority = ParsePriority(Contiguous(payload, scratch));
        ValidatePriority(header.StreamId, priority);
        return priority;
    }

    /// <summary>Throws the stream error for a stream that depends on itself (section 5.3.1).</summary>
    public static void ValidatePriority(int streamId, in Http2Priority priority)
    {
        if (priority.StreamDependency == streamId)
        {
            throw new Http2StreamException(streamId, Http2ErrorCode.ProtocolError,
                $"Stream {streamId} depends on itself (RFC 9113 section 5.3.1).");
        }
    }

    /// <summary>The error code of an RST_STREAM frame (section 6.4); an unknown code is returned as its raw value.</summary>
    public static Http2ErrorCode ReadRstStream(in Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Debug.Assert(header.Type == Http2FrameType.RstStream && header.Length == payload.Length);
        if (header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "RST_STREAM frame on stream 0 (RFC 9113 section 6.4).");
        }

        if (payload.Length != 4)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"RST_STREAM frame of {payload.Length} bytes on stream {header.StreamId}; it must be 4 (RFC 9113 section 6.4).");
        }

        Span<byte> scratch = stackalloc byte[4];
        return (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(Contiguous(payload, scratch));
    }

    /// <summary>
    /// The parameters of a SETTINGS frame (section 6.5), empty for an acknowledgement (check
    /// <see cref="Http2FrameHeader.IsAck"/>). Unknown identifiers are yielded, not refused (section 6.5.2); the values
    /// themselves are validated by <see cref="Http2Settings.Apply(Http2SettingId, uint)"/>.
    /// </summary>
    public static Http2SettingsPayload ReadSettings(in Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Debug.Assert(header.Type == Http2FrameType.Settings && header.Length == payload.Length);
        if (header.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                $"SETTINGS frame on stream {header.StreamId}; it belongs on stream 0 (RFC 9113 section 6.5).");
        }

        if (header.IsAck && payload.Length != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"SETTINGS acknowledgement with a {payload.Length}-byte payload; it must be empty (RFC 9113 section 6.5).");
        }

        if (payload.Length % Http2Setting.Size != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"SETTINGS frame of {payload.Length} bytes, not a multiple of {Http2Setting.Size} (RFC 9113 section 6.5).");
        }

        return new Http2SettingsPayload(payload);
    }

    /// <summary>
    /// The eight opaque bytes of a PING frame, big-endian (section 6.7); <see cref="Http2FrameWriter.WritePing"/>
    /// writes them back the same way.
    /// </summary>
    public static ulong ReadPing(in Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Debug.Assert(header.Type == Http2FrameType.Ping && header.Length == payload.Length);
        if (header.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                $"PING frame on stream {header.StreamId}; it belongs on stream 0 (RFC 9113 section 6.7).");
        }

        if (payload.Length != 8)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"PING frame of {payload.Length} bytes; it must be 8 (RFC 9113 section 6.7).");
        }

        Span<byte> scratch = stackalloc byte[8];
        return BinaryPrimitives.ReadUInt64BigEndian(Contiguous(payload, scratch));
    }

    /// <summary>
    /// The last stream identifier (reserved bit masked off), error code and debug data of a GOAWAY frame (section 6.8).
    /// </summary>
    public static Http2GoAway ReadGoAway(in Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Debug.Assert(header.Type == Http2FrameType.GoAway && header.Length == payload.Length);
        if (header.StreamId != 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                $"GOAWAY frame on stream {header.StreamId}; it belongs on stream 0 (RFC 9113 section 6.8).");
        }

        if (payload.Length < 8)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"GOAWAY frame of {payload.Length} bytes; it needs at least 8 (RFC 9113 sections 4.2, 6.8).");
        }

        Span<byte> scratch = stackalloc byte[8];
        var fields = Contiguous(payload, scratch);
        var lastStreamId = BinaryPrimitives.ReadInt32BigEndian(fields) & 0x7FFFFFFF;
        var code = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(fields[4..]);
        return new Http2GoAway(lastStreamId, code, payload.Slice(8));
    }

    /// <summary>
    /// The window size increment of a WINDOW_UPDATE frame, 1 to 2^31-1 (section 6.9). Whether it overflows the window
    /// is the connection's to check (section 6.9.1).
    /// </summary>
    public static int ReadWindowUpdate(in Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Debug.Assert(header.Type == Http2FrameType.WindowUpdate && header.Length == payload.Length);
        if (payload.Length != 4)
        {
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"WINDOW_UPDATE frame of {payload.Length} bytes on stream {header.StreamId}; it must be 4 (RFC 9113 section 6.9).");
        }

        Span<byte> scratch = stackalloc byte[4];
        var increment = BinaryPrimitives.ReadInt32BigEndian(Contiguous(payload, scratch)) & 0x7FFFFFFF;
        if (increment == 0)
        {
            // Section 6.9: the error is scoped to what the frame was meant to update.
            if (header.StreamId == 0)
            {
                throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                    "WINDOW_UPDATE frame with an increment of 0 on the connection (RFC 9113 section 6.9).");
            }

            throw new Http2StreamException(header.StreamId, Http2ErrorCode.ProtocolError,
                $"WINDOW_UPDATE frame with an increment of 0 on stream {header.StreamId} (RFC 9113 section 6.9).");
        }

        return increment;
    }

    /// <summary>
    /// The field block fragment of a CONTINUATION frame (section 6.10). That it follows a HEADERS frame on the same
    /// stream without END_HEADERS is the connection's to check.
    /// </summary>
    public static ReadOnlySequence<byte> ReadContinuation(in Http2FrameHeader header, ReadOnlySequence<byte> payload)
    {
        Debug.Assert(header.Type == Http2FrameType.Continuation && header.Length == payload.Length);
        if (header.StreamId == 0)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, "CONTINUATION frame on stream 0 (RFC 9113 section 6.10).");
        }

        return payload;
    }

    /// <summary>
    /// Refuses a PUSH_PROMISE frame, which this proxy never accepts: a client cannot push (section 8.4), and a server
    /// was told SETTINGS_ENABLE_PUSH 0 (section 6.5.2). Both are connection errors of type PROTOCOL_ERROR (section 6.6).
    /// </summary>
    [DoesNotReturn]
    public static void RejectPushPromise(in Http2FrameHeader header, bool fromClient)
    {
        Debug.Assert(header.Type == Http2FrameType.PushPromise);
        throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, fromClient
            ? $"PUSH_PROMISE frame from a client on stream {header.StreamId}; only servers push (RFC 9113 section 8.4)."
            : $"PUSH_PROMISE frame on stream {header.StreamId} though push was disabled with SETTINGS_ENABLE_PUSH 0 (RFC 9113 section 6.6).");
    }

    /// <summary>
    /// Strips the Pad Length byte, the priority fields when present and the padding of DATA or HEADERS (sections 6.1,
    /// 6.2). A payload too short for its optional fields is a FRAME_SIZE_ERROR (section 4.2), a connection error as
    /// for any frame that can carry a field block.
    /// </summary>
    private static ReadOnlySequence<byte> Unpad(in Http2FrameHeader header, ReadOnlySequence<byte> payload, bool hasPriority, out Http2Priority? priority)
    {
        priority = null;
        var padded = header.HasFlag(Http2FrameFlags.Padded);
        var fixedSize = (padded ? PadLengthSize : 0) + (hasPriority ? Http2Priority.Size : 0);
        if (fixedSize == 0)
        {
            return payload;
        }

        var name = Describe(header.Type);
        if (payload.Length < fixedSize)
        {
            var missing = padded && hasPriority ? "Pad Length and priority fields" : padded ? "Pad Length field" : "priority fields";
            throw new Http2ConnectionException(Http2ErrorCode.FrameSizeError,
                $"{name} frame of {payload.Length} bytes on stream {header.StreamId} is too short for its {missing} (RFC 9113 section 4.2).");
        }

        Span<byte> scratch = stackalloc byte[PadLengthSize + Http2Priority.Size];
        var fields = Contiguous(payload, scratch[..fixedSize]);
        var padLength = padded ? fields[0] : 0;
        if (hasPriority)
        {
            priority = ParsePriority(fields[(padded ? PadLengthSize : 0)..]);
        }

        // Sections 6.1 and 6.2: padding may fill what remains after the fixed fields, but not exceed it.
        var remaining = payload.Length - fixedSize;
        if (padLength > remaining)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError,
                $"{name} frame on stream {header.StreamId} has {padLength} bytes of padding but only {remaining} bytes after its fixed fields (RFC 9113 section {(header.Type == Http2FrameType.Data ? "6.1" : "6.2")}).");
        }

        return payload.Slice(fixedSize, remaining - padLength);
    }

    private static Http2Priority ParsePriority(ReadOnlySpan<byte> fields)
    {
        var dependency = BinaryPrimitives.ReadUInt32BigEndian(fields);
        return new Http2Priority((int)(dependency & 0x7FFFFFFF), (dependency & 0x80000000) != 0, fields[4] + 1);
    }

    /// <summary>
    /// The first <c>scratch.Length</c> bytes of <paramref name="sequence"/> as one span: the first segment itself when
    /// it is long enough, else a copy into <paramref name="scratch"/>. The sequence must hold that many bytes.
    /// </summary>
    private static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> sequence, Span<byte> scratch)
    {
        var first = sequence.FirstSpan;
        if (first.Length >= scratch.Length)
        {
            return first[..scratch.Length];
        }

        sequence.Slice(0, scratch.Length).CopyTo(scratch);
        return scratch;
    }

    /// <summary>The RFC's name of a frame type, for error messages.</summary>
    internal static string Describe(Http2FrameType type) => type switch
    {
        Http2FrameType.Data => "DATA",
        Http2FrameType.Headers => "HEADERS",
        Http2FrameType.Priority => "PRIORITY",
        Http2FrameType.RstStream => "RST_STREAM",
        Http2FrameType.Settings => "SETTINGS",
        Http2FrameType.PushPromise => "PUSH_PROMISE",
        Http2FrameType.Ping => "PING",
        Http2FrameType.GoAway => "GOAWAY",
        Http2FrameType.WindowUpdate => "WINDOW_UPDATE",
        Http2FrameType.Continuation => "CONTINUATION",
        _ => $"type 0x{(byte)type:x2}",
    };
}
