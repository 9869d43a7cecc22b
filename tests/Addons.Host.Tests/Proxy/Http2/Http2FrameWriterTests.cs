using System.Buffers;
using System.Text;
using Addons.Host.Proxy.Http2;
using static Addons.Host.Tests.Proxy.Http2.Http2Bytes;

namespace Addons.Host.Tests.Proxy.Http2;

public sealed class Http2FrameWriterTests
{
    private const int Max = Http2Settings.DefaultMaxFrameSize;

    [Test]
    public void TheClientPrefaceIsTheOneRfc9113Names()
    {
        var written = Written(Http2FrameWriter.WriteClientPreface);
        var buffer = Sequence(written);

        Assert.That(Encoding.ASCII.GetString(written), Is.EqualTo("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        Assert.That(Http2FrameReader.TryReadPreface(ref buffer), Is.EqualTo(Http2PrefaceStatus.Valid));
    }

    [Test]
    public void AFrameHeaderIsNineBigEndianBytes()
    {
        var header = new Http2FrameHeader(0x123456, Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 0x7FFFFFFF);
        var bytes = new byte[Http2FrameHeader.Size];

        header.Write(bytes);

        Assert.That(bytes, Is.EqualTo(new byte[] { 0x12, 0x34, 0x56, 0x01, 0x05, 0x7f, 0xff, 0xff, 0xff }));
        Assert.That(Http2FrameHeader.Read(bytes), Is.EqualTo(header));
    }

    [Test]
    public void AFrameHeaderRefusesWhatTheWireCannotCarry()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Http2FrameHeader(Http2FrameHeader.MaxLength + 1, Http2FrameType.Data, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Http2FrameHeader(-1, Http2FrameType.Data, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Http2FrameHeader(0, Http2FrameType.Data, 0, -1));
        Assert.Throws<ArgumentException>(() => Http2FrameHeader.Read(new byte[8]));
    }

    [Test]
    public void FixedFieldsAreWrittenBigEndian()
    {
        Assert.That(Written(w => Http2FrameWriter.WriteWindowUpdate(w, 3, 0x10000)), Is.EqualTo(Frame(0x8, 0, 3, 0, 1, 0, 0)));
        Assert.That(Written(w => Http2FrameWriter.WriteRstStream(w, 1, Http2ErrorCode.Cancel)), Is.EqualTo(Frame(0x3, 0, 1, 0, 0, 0, 8)));
        Assert.That(Written(w => Http2FrameWriter.WritePing(w, 0x0102030405060708, ack: true)), Is.EqualTo(Frame(0x6, 0x1, 0, 1, 2, 3, 4, 5, 6, 7, 8)));
        Assert.That(Written(w => Http2FrameWriter.WriteSettings(w, [new(Http2SettingId.MaxFrameSize, 0x4000)])), Is.EqualTo(Frame(0x4, 0, 0, 0, 5, 0, 0, 0x40, 0)));
        Assert.That(Written(Http2FrameWriter.WriteSettingsAck), Is.EqualTo(Frame(0x4, 0x1, 0)));
        Assert.That(Written(w => Http2FrameWriter.WriteGoAway(w, 5, Http2ErrorCode.ProtocolError, "x"u8)), Is.EqualTo(Frame(0x7, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, (byte)'x')));
        Assert.That(Written(w => Http2FrameWriter.WritePriority(w, 3, new Http2Priority(1, true, 256))), Is.EqualTo(Frame(0x2, 0, 3, 0x80, 0, 0, 1, 255)));
    }

    // Round trips, whole and one byte per segment

    [TestCase(0)]
    [TestCase(1)]
    public void SettingsRoundTripInOrder(int segmentSize)
    {
        Http2Setting[] sent =
        [
            new(Http2SettingId.HeaderTableSize, 0),
            new(Http2SettingId.EnablePush, 0),
            new((Http2SettingId)0x99, 7),
            new(Http2SettingId.InitialWindowSize, int.MaxValue),
            new(Http2SettingId.MaxFrameSize, Http2Settings.MaxFrameSizeLimit),
        ];
        var (header, payload) = Single(Written(w => Http2FrameWriter.WriteSettings(w, sent)), segmentSize);

        var received = new List<Http2Setting>();
        foreach (var setting in Http2FrameReader.ReadSettings(header, payload))
        {
            received.Add(setting);
        }

        Assert.That((header.Type, header.Flags, header.StreamId, header.Length), Is.EqualTo((Http2FrameType.Settings, Http2FrameFlags.None, 0, 30)));
        Assert.That(received, Is.EqualTo(sent));
    }

    [TestCase(0)]
    [TestCase(1)]
    public void SettingsAckRoundTrips(int segmentSize)
    {
        var (header, payload) = Single(Written(Http2FrameWriter.WriteSettingsAck), segmentSize);

        Assert.That((header.Type, header.IsAck, header.Length), Is.EqualTo((Http2FrameType.Settings, true, 0)));
        Assert.That(Http2FrameReader.ReadSettings(header, payload).Count, Is.Zero);
    }

    [TestCase(0, false)]
    [TestCase(1, true)]
    public void PingRoundTrips(int segmentSize, bool ack)
    {
        var (header, payload) = Single(Written(w => Http2FrameWriter.WritePing(w, 0xfedcba9876543210, ack)), segmentSize);

        Assert.That((header.Type, header.IsAck, header.StreamId), Is.EqualTo((Http2FrameType.Ping, ack, 0)));
        Assert.That(Http2FrameReader.ReadPing(header, payload), Is.EqualTo(0xfedcba9876543210));
    }

    [TestCase(0, 0)]
    [TestCase(1, 5)]
    public void WindowUpdateRoundTrips(int segmentSize, int streamId)
    {
        var (header, payload) = Single(Written(w => Http2FrameWriter.WriteWindowUpdate(w, streamId, int.MaxValue)), segmentSize);

        Assert.That((header.Type, header.StreamId), Is.EqualTo((Http2FrameType.WindowUpdate, streamId)));
        Assert.That(Http2FrameReader.ReadWindowUpdate(header, payload), Is.EqualTo(int.MaxValue));
    }

    [TestCase(0)]
    [TestCase(1)]
    public void RstStreamRoundTrips(int segmentSize)
    {
        var (header, payload) = Single(Written(w => Http2FrameWriter.WriteRstStream(w, 9, Http2ErrorCode.RefusedStream)), segmentSize);

        Assert.That((header.Type, header.StreamId), Is.EqualTo((Http2FrameType.RstStream, 9)));
        Assert.That(Http2FrameReader.ReadRstStream(header, payload), Is.EqualTo(Http2ErrorCode.RefusedStream));
    }

    [TestCase(0)]
    [TestCase(1)]
    public void GoAwayRoundTrips(int segmentSize)
    {
        var (header, payload) = Single(Written(w => Http2FrameWriter.WriteGoAway(w, int.MaxValue, Http2ErrorCode.EnhanceYourCalm, "too many resets"u8)), segmentSize);

        var goAway = Http2FrameReader.ReadGoAway(header, payload);

        Assert.That((header.Type, header.StreamId), Is.EqualTo((Http2FrameType.GoAway, 0)));
        Assert.That((goAway.LastStreamId, goAway.ErrorCode), Is.EqualTo((int.MaxValue, Http2ErrorCode.EnhanceYourCalm)));
        Assert.That(goAway.DebugData.ToArray(), Is.EqualTo("too many resets"u8.ToArray()));
    }

    [Test]
    public void GoAwayDebugDataIsCutToTheInitialFrameSize()
    {
        var (header, payload) = Single(Written(w => Http2FrameWriter.WriteGoAway(w, 1, Http2ErrorCode.NoError, new byte[20000])));

        Assert.That(header.Length, Is.EqualTo(Max));
        Assert.That(Http2FrameReader.ReadGoAway(header, payload).DebugData.Length, Is.EqualTo(Max - 8));
    }

    [TestCase(0)]
    [TestCase(1)]
    public void PriorityRoundTrips(int segmentSize)
    {
        foreach (var priority in new[] { new Http2Priority(0, false, 1), new Http2Priority(int.MaxValue, true, 256), new Http2Priority(3, false, 16) })
        {
            var (header, payload) = Single(Written(w => Http2FrameWriter.WritePriority(w, 5, priority)), segmentSize);

            Assert.That((header.Type, header.StreamId), Is.EqualTo((Http2FrameType.Priority, 5)));
            Assert.That(Http2FrameReader.ReadPriority(header, payload), Is.EqualTo(priority));
        }
    }

    [TestCase(0)]
    [TestCase(1)]
    public void DataRoundTrips(int segmentSize)
    {
        var (header, payload) = Single(Written(w => Http2FrameWriter.WriteData(w, 1, "hello"u8, endStream: true, Max)), segmentSize);

        Assert.That((header.Type, header.Flags, header.StreamId), Is.EqualTo((Http2FrameType.Data, Http2FrameFlags.EndStream, 1)));
        Assert.That(Http2FrameReader.ReadData(header, payload).ToArray(), Is.EqualTo("hello"u8.ToArray()));
    }

    [TestCase(0)]
    [TestCase(1)]
    public void HeadersRoundTrip(int segmentSize)
    {
        byte[] block = [0x82, 0x86, 0x84, 0x41, 0x8c];
        var (header, payload) = Single(Written(w => Http2FrameWriter.WriteHeaders(w, 3, block, endStream: false, Max)), segmentSize);

        Assert.That((header.Type, header.Flags, header.StreamId), Is.EqualTo((Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 3)));
        Assert.That(Http2FrameReader.ReadHeaders(header, payload, out var priority).ToArray(), Is.EqualTo(block));
        Assert.That(priority, Is.Null);
    }

    [Test]
    public void ContinuationRoundTripsAfterHeaders()
    {
        var block = Enumerable.Range(0, Max + 10).Select(i => (byte)i).ToArray();
        var frames = All(Written(w => Http2FrameWriter.WriteHeaders(w, 7, block, endStream: true, Max)));

        var first = Sequence(frames[0].Payload);
        var second = Sequence(frames[1].Payload, 1);
        var fragments = Http2FrameReader.ReadHeaders(frames[0].Header, first, out _).ToArray()
            .Concat(Http2FrameReader.ReadContinuation(frames[1].Header, second).ToArray());

        Assert.That(frames[1].Header.Type, Is.EqualTo(Http2FrameType.Continuation));
        Assert.That(fragments, Is.EqualTo(block));
    }

    [TestCase(0)]
    [TestCase(1)]
    public void PushPromiseAndUnknownFramesRoundTripThroughTheGenericWriter(int segmentSize)
    {
        var push = Single(Written(w => Http2FrameWriter.WriteFrame(w, Http2FrameType.PushPromise, Http2FrameFlags.EndHeaders, 1, [0, 0, 0, 2, 0x82])), segmentSize);
        var unknown = Single(Written(w => Http2FrameWriter.WriteFrame(w, (Http2FrameType)0x20, (Http2FrameFlags)0x80, 3, [9, 9])), segmentSize);

        Assert.That(push.Header.Type, Is.EqualTo(Http2FrameType.PushPromise));
        Assert.Throws<Http2ConnectionException>(() => Http2FrameReader.RejectPushPromise(push.Header, fromClient: false));
        Assert.That(((byte)unknown.Header.Type, (byte)unknown.Header.Flags, unknown.Header.StreamId), Is.EqualTo(((byte)0x20, (byte)0x80, 3)));
        Assert.That(unknown.Payload.ToArray(), Is.EqualTo(new byte[] { 9, 9 }));
    }

    // DATA splitting (RFC 9113 sections 4.2, 6.1)

    [TestCase(40000, Max, new[] { 16384, 16384, 7232 })]
    [TestCase(32768, Max, new[] { 16384, 16384 })]
    [TestCase(16384, Max, new[] { 16384 })]
    [TestCase(1, Max, new[] { 1 })]
    [TestCase(40000, 100000, new[] { 40000 })]
    public void DataIsSplitAtTheFrameSizeWithEndStreamOnTheLastFrameOnly(int size, int maxFrameSize, int[] lengths)
    {
        var data = Enumerable.Range(0, size).Select(i => (byte)(i * 7)).ToArray();
        foreach (var endStream in new[] { true, false })
        {
            var fromSpan = Written(w => Http2FrameWriter.WriteData(w, 5, data, endStream, maxFrameSize));
            var fromSequence = Written(w => Http2FrameWriter.WriteData(w, 5, Sequence(data, 1000), endStream, maxFrameSize));
            Assert.That(fromSequence, Is.EqualTo(fromSpan), "both overloads write the same frames");

            var frames = All(fromSpan, Http2Settings.MaxFrameSizeLimit);

            Assert.That(frames.Select(f => f.Header.Length), Is.EqualTo(lengths));
            Assert.That(frames.Select(f => (f.Header.Type, f.Header.StreamId)), Has.All.EqualTo((Http2FrameType.Data, 5)));
            var expectedFlags = lengths.Select((_, i) => endStream && i == lengths.Length - 1 ? Http2FrameFlags.EndStream : Http2FrameFlags.None);
            Assert.That(frames.Select(f => f.Header.Flags), Is.EqualTo(expectedFlags));
            Assert.That(frames.SelectMany(f => f.Payload), Is.EqualTo(data));
        }
    }

    [Test]
    public void EmptyDataIsOneEmptyFrameWithEndStreamOrNothing()
    {
        var frames = All(Written(w => Http2FrameWriter.WriteData(w, 1, ReadOnlySpan<byte>.Empty, endStream: true, Max)));
        Assert.That(frames.Select(f => (f.Header.Length, f.Header.Flags)), Is.EqualTo(new[] { (0, Http2FrameFlags.EndStream) }));

        var emptySequence = Written(w => Http2FrameWriter.WriteData(w, 1, ReadOnlySequence<byte>.Empty, endStream: true, Max));
        Assert.That(emptySequence, Is.EqualTo(Frame(0x0, 0x1, 1)));

        Assert.That(Written(w => Http2FrameWriter.WriteData(w, 1, ReadOnlySpan<byte>.Empty, endStream: false, Max)), Is.Empty);
        Assert.That(Written(w => Http2FrameWriter.WriteData(w, 1, ReadOnlySequence<byte>.Empty, endStream: false, Max)), Is.Empty);
    }

    // HEADERS + CONTINUATION splitting (RFC 9113 sections 4.3, 6.2, 6.10)

    [TestCase(40000, new[] { 16384, 16384, 7232 })]
    [TestCase(16385, new[] { 16384, 1 })]
    [TestCase(16384, new[] { 16384 })]
    [TestCase(3, new[] { 3 })]
    [TestCase(0, new[] { 0 })]
    public void AFieldBlockIsSplitIntoHeadersAndContinuations(int size, int[] lengths)
    {
        var block = Enumerable.Range(0, size).Select(i => (byte)(i * 3)).ToArray();
        foreach (var endStream in new[] { true, false })
        {
            var frames = All(Written(w => Http2FrameWriter.WriteHeaders(w, 3, block, endStream, Max)));

            Assert.That(frames.Select(f => f.Header.Length), Is.EqualTo(lengths));
            Assert.That(frames.Select(f => f.Header.Type),
                Is.EqualTo(lengths.Select((_, i) => i == 0 ? Http2FrameType.Headers : Http2FrameType.Continuation)));
            Assert.That(frames.Select(f => f.Header.StreamId), Has.All.EqualTo(3));
            var expectedFlags = lengths.Select((_, i) =>
                (i == 0 && endStream ? Http2FrameFlags.EndStream : Http2FrameFlags.None) |
                (i == lengths.Length - 1 ? Http2FrameFlags.EndHeaders : Http2FrameFlags.None));
            Assert.That(frames.Select(f => f.Header.Flags), Is.EqualTo(expectedFlags));
            Assert.That(frames.SelectMany(f => f.Payload), Is.EqualTo(block));
        }
    }

    [Test]
    public void WhatMayNeverBeSentIsRefusedAsAnArgument()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Written(w => Http2FrameWriter.WriteData(w, 0, "x"u8, true, Max)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Written(w => Http2FrameWriter.WriteHeaders(w, 0, [0x82], true, Max)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Written(w => Http2FrameWriter.WriteData(w, 1, "x"u8, true, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Written(w => Http2FrameWriter.WriteWindowUpdate(w, 1, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Written(w => Http2FrameWriter.WriteRstStream(w, 0, Http2ErrorCode.Cancel)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Written(w => Http2FrameWriter.WritePriority(w, 1, new Http2Priority(0, false, 0))));
    }
}
