using System.Buffers;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// A header block being received: a HEADERS frame and the CONTINUATION frames that complete it (RFC 9113 section
/// 6.10), bounded in bytes and frames so that a peer cannot make us buffer without end.
/// </summary>
internal sealed class Http2HeaderBlock(Http2Limits limits)
{
    private readonly ArrayBufferWriter<byte> _bytes = new(1024);
    private int _continuations;

    /// <summary>The stream whose block is incomplete; 0 when none is, and any frame may come.</summary>
    public int StreamId { get; private set; }

    /// <summary>Whether the HEADERS frame carried END_STREAM.</summary>
    public bool EndStream { get; private set; }

    public ReadOnlySpan<byte> Bytes => _bytes.WrittenSpan;

    /// <summary>Starts a block with a HEADERS frame's fragment; true when END_HEADERS completes it at once.</summary>
    public bool Start(in Http2FrameHeader header, in ReadOnlySequence<byte> fragment)
    {
        _bytes.ResetWrittenCount();
        _continuations = 0;
        StreamId = header.StreamId;
        EndStream = header.IsEndStream;
        Append(fragment);
        return header.IsEndHeaders;
    }

    /// <summary>Adds a CONTINUATION frame's fragment; true when it completes the block.</summary>
    public bool Continue(in Http2FrameHeader header, in ReadOnlySequence<byte> fragment)
    {
        if (StreamId == 0 || header.StreamId != StreamId)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"A CONTINUATION frame on stream {header.StreamId} does not follow a HEADERS frame of that stream (RFC 9113 section 6.10).");
        }

        if (++_continuations > limits.MaxContinuationFrames)
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm, $"Stream {header.StreamId}'s header block took more than {limits.MaxContinuationFrames} CONTINUATION frames.");
        }

        Append(fragment);
        return header.IsEndHeaders;
    }

    /// <summary>A frame other than CONTINUATION while a block is incomplete is a connection error.</summary>
    public void CheckInterleaving(in Http2FrameHeader header)
    {
        if (StreamId != 0 && header.Type != Http2FrameType.Continuation)
        {
            throw new Http2ConnectionException(Http2ErrorCode.ProtocolError, $"A {header.Type} frame came between a HEADERS frame without END_HEADERS and its CONTINUATION (RFC 9113 section 6.10).");
        }
    }

    /// <summary>The block has been decoded: frames of any kind may come again.</summary>
    public void Done() => StreamId = 0;

    private void Append(in ReadOnlySequence<byte> fragment)
    {
        if (_bytes.WrittenCount + fragment.Length > limits.MaxHeaderBlockBytes)
        {
            throw new Http2ConnectionException(Http2ErrorCode.EnhanceYourCalm, $"A header block grew past {limits.MaxHeaderBlockBytes} bytes.");
        }

        foreach (var segment in fragment)
        {
            _bytes.Write(segment.Span);
        }
    }
}
