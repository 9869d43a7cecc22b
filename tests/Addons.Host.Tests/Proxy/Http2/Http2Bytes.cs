using System.Buffers;
using Addons.Host.Proxy.Http2;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Proxy.Http2;

/// <summary>Builds byte sequences for the frame tests: written frames, hand-made frames, and sequences in many segments.</summary>
internal static class Http2Bytes
{
    /// <summary>The bytes a writer action produces.</summary>
    public static byte[] Written(Action<IBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A frame built by hand, independent of the writer under test.</summary>
    public static byte[] Frame(int type, int flags, uint streamId, params byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = (byte)type;
        frame[4] = (byte)flags;
        frame[5] = (byte)(streamId >> 24);
        frame[6] = (byte)(streamId >> 16);
        frame[7] = (byte)(streamId >> 8);
        frame[8] = (byte)streamId;
        payload.CopyTo(frame, 9);
        return frame;
    }

    /// <summary>The bytes as one segment (size 0) or as segments of <paramref name="size"/> bytes.</summary>
    public static ReadOnlySequence<byte> Sequence(byte[] bytes, int size = 0) =>
        size == 0 ? new ReadOnlySequence<byte>(bytes) : SegmentedBytes.Of(bytes, size);

    /// <summary>Reads the one frame <paramref name="bytes"/> must hold entirely, split into segments of <paramref name="size"/>.</summary>
    public static (Http2FrameHeader Header, ReadOnlySequence<byte> Payload) Single(byte[] bytes, int size = 0)
    {
        var buffer = Sequence(bytes, size);
        Assert.That(Http2FrameReader.TryReadFrame(ref buffer, Http2Settings.DefaultMaxFrameSize, out var header, out var payload), Is.True, "a complete frame");
        Assert.That(buffer.IsEmpty, Is.True, "nothing after the frame");
        return (header, payload);
    }

    /// <summary>Reads every frame of <paramref name="bytes"/>, payloads copied.</summary>
    public static List<(Http2FrameHeader Header, byte[] Payload)> All(byte[] bytes, int maxFrameSize = Http2Settings.DefaultMaxFrameSize)
    {
        var buffer = Sequence(bytes);
        var frames = new List<(Http2FrameHeader, byte[])>();
        while (Http2FrameReader.TryReadFrame(ref buffer, maxFrameSize, out var header, out var payload))
        {
            frames.Add((header, payload.ToArray()));
        }

        Assert.That(buffer.IsEmpty, Is.True, "only whole frames");
        return frames;
    }
}
