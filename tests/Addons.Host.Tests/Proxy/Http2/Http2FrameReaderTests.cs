using System.Buffers;
using System.Text;
using Addons.Host.Proxy.Http2;
using static Addons.Host.Tests.Proxy.Http2.Http2Bytes;

namespace Addons.Host.Tests.Proxy.Http2;

public sealed class Http2FrameReaderTests
{
    private const int Max = Http2Settings.DefaultMaxFrameSize;
    private const int DataType = 0x0, HeadersType = 0x1, PriorityType = 0x2, RstStreamType = 0x3, SettingsType = 0x4,
        PushPromiseType = 0x5, PingType = 0x6, GoAwayType = 0x7, WindowUpdateType = 0x8, ContinuationType = 0x9;
    private const int EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4, Padded = 0x8, Priority = 0x20;

    private static readonly byte[] Preface = Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

    // Preface (RFC 9113 section 3.4)

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(5)]
    public void ThePrefaceIsReadAndTheBufferLeftAtTheFirstFrame(int segmentSize)
    {
        var settings = Frame(SettingsType, 0, 0);
        var buffer = Sequence([.. Preface, .. settings], segmentSize);

        Assert.That(Http2FrameReader.TryReadPreface(ref buffer), Is.EqualTo(Http2PrefaceStatus.Valid));
        Assert.That(buffer.ToArray(), Is.EqualTo(settings));
    }

    [Test]
    public void EveryPrefixOfThePrefaceIsIncompleteAndLeavesTheBufferAlone()
    {
        for (var cut = 0; cut < Preface.Length; cut++)
        {
            foreach (var segmentSize in new[] { 0, 1 })
            {
                var buffer = Sequence(Preface[..cut], segmentSize);

                Assert.That(Http2FrameReader.TryReadPreface(ref buffer), Is.EqualTo(Http2PrefaceStatus.Incomplete), $"{cut} bytes");
                Assert.That(buffer.Length, Is.EqualTo(cut));
            }
        }
    }

    [TestCase("G")]
    [TestCase("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")]
    [TestCase("PRI * HTTP/1.1\r\n")]
    [TestCase("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\r")]
    [TestCase("\u0016\u0003\u0001\u0002\u0000")]
    public void AnythingElseIsInvalidFromItsFirstDifferentByte(string text)
    {
        foreach (var segmentSize in new[] { 0, 1 })
        {
            var buffer = Sequence(Encoding.Latin1.GetBytes(text), segmentSize);

            Assert.That(Http2FrameReader.TryReadPreface(ref buffer), Is.EqualTo(Http2PrefaceStatus.Invalid));
            Assert.That(buffer.Length, Is.EqualTo(text.Length), "not advanced");
        }
    }

    // Framing (RFC 9113 sections 4.1, 4.2)

    [Test]
    public void AFrameIsReadOnlyOnceComplete()
    {
        var frame = Frame(DataType, EndStream, 3, "hello"u8.ToArray());
        for (var cut = 0; cut < frame.Length; cut++)
        {
            var partial = Sequence(frame[..cut]);

            Assert.That(Http2FrameReader.TryReadFrame(ref partial, Max, out _, out _), Is.False, $"{cut} bytes");
            Assert.That(partial.Length, Is.EqualTo(cut), "not advanced");
        }
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(4)]
    public void BackToBackFramesAreReadOneAtATimeAcrossSegments(int segmentSize)
    {
        var first = Frame(HeadersType, EndHeaders | EndStream, 0x7FFFFFFF, 1, 2, 3);
        var second = Frame(PingType, Ack, 0, 1, 2, 3, 4, 5, 6, 7, 8);
        var buffer = Sequence([.. first, .. second, 0, 0], segmentSize);

        Assert.That(Http2FrameReader.TryReadFrame(ref buffer, Max, out var header, out var payload), Is.True);
        Assert.That((header.Length, header.Type, header.Flags, header.StreamId),
            Is.EqualTo((3, Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 0x7FFFFFFF)));
        Assert.That(payload.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3 }));

        Assert.That(Http2FrameReader.TryReadFrame(ref buffer, Max, out header, out payload), Is.True);
        Assert.That((header.Length, header.Type, header.IsAck, header.StreamId), Is.EqualTo((8, Http2FrameType.Ping, true, 0)));
        Assert.That(payload.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));

        Assert.That(Http2FrameReader.TryReadFrame(ref buffer, Max, out _, out _), Is.False, "two stray bytes are not a frame");
        Assert.That(buffer.Length, Is.EqualTo(2));
    }

    [Test]
    public void TheReservedBitOfTheStreamIdentifierIsIgnored()
    {
        var (header, _) = Single(Frame(DataType, 0, 0x80000005));

        Assert.That(header.StreamId, Is.EqualTo(5));
    }

    [TestCase(Max, Max + 1)]
    [TestCase(Http2Settings.MaxFrameSizeLimit - 1, Http2Settings.MaxFrameSizeLimit)]
    public void AnOversizedFrameIsAFrameSizeErrorAsSoonAsItsHeaderIsBuffered(int maxFrameSize, int length)
    {
        var headerOnly = Frame(DataType, 0, 1).AsSpan(..9).ToArray();
        headerOnly[0] = (byte)(length >> 16);
        headerOnly[1] = (byte)(length >> 8);
        headerOnly[2] = (byte)length;
        var buffer = Sequence(headerOnly, 1);

        var ex = Assert.Throws<Http2ConnectionException>(() => Http2FrameReader.TryReadFrame(ref buffer, maxFrameSize, out _, out _));

        Assert.That(ex!.ErrorCode, Is.EqualTo(Http2ErrorCode.FrameSizeError));
        Assert.That(ex.Message, Does.Contain("section 4.2"));
    }

    [Test]
    public void AFrameOfExactlyTheLimitIsAwaitedNotRefused()
    {
        var headerOnly = Frame(DataType, 0, 1).AsSpan(..9).ToArray();
        headerOnly[1] = 0x40; // 16384
        var buffer = Sequence(headerOnly);

        Assert.That(Http2FrameReader.TryReadFrame(ref buffer, Max, out _, out _), Is.False);
    }

    [Test]
    public void FramesOfUnknownTypesAreReturnedWithTheirRawTypeAndFlags()
    {
        var bytes = Frame(0xfa, 0xff, 7, 1, 2, 3).Concat(Frame(PingType, 0, 0, new byte[8])).ToArray();

        var frames = All(bytes);

        Assert.That(frames, Has.Count.EqualTo(2));
        var (header, payload) = frames[0];
        Assert.That((byte)header.Type, Is.EqualTo(0xfa));
        Assert.That(header.IsKnownType, Is.False);
        Assert.That((byte)header.Flags, Is.EqualTo(0xff));
        Assert.That(payload, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(frames[1].Header.IsKnownType, Is.True);
    }

    // DATA (RFC 9113 section 6.1)

    [TestCase(0)]
    [TestCase(1)]
    public void DataWithoutPaddingIsThePayload(int segmentSize)
    {
        Assert.That(Data(Frame(DataType, EndStream, 1, 1, 2, 3), segmentSize), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void PaddedDataLosesItsPadLengthAndPadding(int segmentSize)
    {
        Assert.That(Data(Frame(DataType, Padded, 1, 3, (byte)'a', (byte)'b', 0, 0, 0), segmentSize), Is.EqualTo("ab"u8.ToArray()));
    }

    [Test]
    public void PaddingMayFillTheWholeFrame()
    {
        Assert.That(Data(Frame(DataType, Padded, 1, 5, 0, 0, 0, 0, 0)), Is.Empty);
        Assert.That(Data(Frame(DataType, Padded, 1, 0)), Is.Empty, "no padding after the Pad Length");
    }

    [TestCase((byte)6)]
    [TestCase((byte)255)]
    public void PaddingAsLongAsThePayloadIsAProtocolError(byte padLength)
    {
        var frame = Frame(DataType, Padded, 1, padLength, 0, 0, 0, 0, 0);

        ExpectConnectionError(() => Data(frame), Http2ErrorCode.ProtocolError, "section 6.1");
    }

    [Test]
    public void PaddedDataWithoutRoomForThePadLengthIsAFrameSizeError()
    {
        ExpectConnectionError(() => Data(Frame(DataType, Padded, 1)), Http2ErrorCode.FrameSizeError, "Pad Length");
    }

    [Test]
    public void DataOnStreamZeroIsAProtocolError()
    {
        ExpectConnectionError(() => Data(Frame(DataType, 0, 0, 1)), Http2ErrorCode.ProtocolError, "DATA frame on stream 0 (RFC 9113 section 6.1).");
    }

    [Test]
    public void UndefinedFlagsOnDataAreIgnored()
    {
        // Section 4.1: PRIORITY means nothing on DATA, so no priority fields are stripped.
        Assert.That(Data(Frame(DataType, Priority | 0x40, 1, 1, 2, 3, 4, 5, 6)), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6 }));
    }

    // HEADERS (RFC 9113 section 6.2)

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(3)]
    public void PaddedHeadersWithPriorityAreParsed(int segmentSize)
    {
        var frame = Frame(HeadersType, Padded | Priority | EndHeaders, 5, 2, 0x80, 0, 0, 3, 15, (byte)'x', (byte)'y', (byte)'z', 0, 0);
        var (header, payload) = Single(frame, segmentSize);

        var fragment = Http2FrameReader.ReadHeaders(header, payload, out var priority);

        Assert.That(fragment.ToArray(), Is.EqualTo("xyz"u8.ToArray()));
        Assert.That(priority, Is.EqualTo(new Http2Priority(3, Exclusive: true, Weight: 16)));
        Assert.That(header.IsEndHeaders, Is.True);
    }

    [Test]
    public void HeadersWithoutOptionalFieldsAreTheirFragment()
    {
        var (header, payload) = Single(Frame(HeadersType, EndHeaders | EndStream, 1, 0x82, 0x84));

        var fragment = Http2FrameReader.ReadHeaders(header, payload, out var priority);

        Assert.That(fragment.ToArray(), Is.EqualTo(new byte[] { 0x82, 0x84 }));
        Assert.That(priority, Is.Null);
    }

    [Test]
    public void HeadersPaddingCountsThePriorityFieldsAsTaken()
    {
        // 10 bytes: Pad Length 5, then (with PRIORITY) 5 priority bytes leave 4 for fragment and padding.
        byte[] payload = [5, 0, 0, 0, 1, 15, (byte)'x', 0, 0, 0];
        var (paddedOnly, paddedOnlyPayload) = Single(Frame(HeadersType, Padded, 1, payload));
        Assert.That(Http2FrameReader.ReadHeaders(paddedOnly, paddedOnlyPayload, out _).Length, Is.EqualTo(4), "without PRIORITY the padding fits");

        ExpectConnectionError(() => Headers(Frame(HeadersType, Padded | Priority, 1, payload)), Http2ErrorCode.ProtocolError, "section 6.2");
    }

    [TestCase(Priority, 4)]
    [TestCase(Priority | Padded, 5)]
    [TestCase(Padded, 0)]
    public void HeadersTooShortForTheirOptionalFieldsAreAFrameSizeError(int flags, int length)
    {
        ExpectConnectionError(() => Headers(Frame(HeadersType, flags, 1, new byte[length])), Http2ErrorCode.FrameSizeError, "too short");
    }

    [Test]
    public void HeadersOnStreamZeroAreAProtocolError()
    {
        ExpectConnectionError(() => Headers(Frame(HeadersType, EndHeaders, 0, 0x82)), Http2ErrorCode.ProtocolError, "HEADERS frame on stream 0");
    }

    [Test]
    public void HeadersDependingOnTheirOwnStreamYieldTheFragmentThenAStreamError()
    {
        var (header, payload) = Single(Frame(HeadersType, Priority | EndHeaders, 5, 0, 0, 0, 5, 0, 0x82));

        var fragment = Http2FrameReader.ReadHeaders(header, payload, out var priority);
        Assert.That(fragment.ToArray(), Is.EqualTo(new byte[] { 0x82 }), "the fragment, for HPACK to stay in step");

        var ex = Assert.Throws<Http2StreamException>(() => Http2FrameReader.ValidatePriority(header.StreamId, priority!.Value));
        Assert.That((ex!.StreamId, ex.ErrorCode), Is.EqualTo((5, Http2ErrorCode.ProtocolError)));
        Assert.That(ex.Message, Does.Contain("section 5.3.1"));
        Assert.DoesNotThrow(() => Http2FrameReader.ValidatePriority(7, priority!.Value));
    }

    // PRIORITY (RFC 9113 section 6.3)

    [TestCase(0)]
    [TestCase(1)]
    public void PriorityFieldsAreRead(int segmentSize)
    {
        var (header, payload) = Single(Frame(PriorityType, 0, 3, 0x80, 0, 0, 1, 255), segmentSize);

        Assert.That(Http2FrameReader.ReadPriority(header, payload), Is.EqualTo(new Http2Priority(1, true, 256)));
    }

    [TestCase(4)]
    [TestCase(6)]
    public void PriorityOfAnotherLengthThanFiveIsAStreamFrameSizeError(int length)
    {
        var (header, payload) = Single(Frame(PriorityType, 0, 3, new byte[length]));

        var ex = Assert.Throws<Http2StreamException>(() => Http2FrameReader.ReadPriority(header, payload));

        Assert.That((ex!.StreamId, ex.ErrorCode), Is.EqualTo((3, Http2ErrorCode.FrameSizeError)));
    }

    [Test]
    public void PriorityOnStreamZeroIsAProtocolError()
    {
        ExpectConnectionError(() => Read(Frame(PriorityType, 0, 0, 0, 0, 0, 1, 0), Http2FrameReader.ReadPriority), Http2ErrorCode.ProtocolError, "section 6.3");
    }

    [Test]
    public void PriorityDependingOnItsOwnStreamIsAStreamProtocolError()
    {
        var (header, payload) = Single(Frame(PriorityType, 0, 7, 0, 0, 0, 7, 0));

        var ex = Assert.Throws<Http2StreamException>(() => Http2FrameReader.ReadPriority(header, payload));

        Assert.That((ex!.StreamId, ex.ErrorCode), Is.EqualTo((7, Http2ErrorCode.ProtocolError)));
    }

    // RST_STREAM (RFC 9113 section 6.4)

    [TestCase(3)]
    [TestCase(5)]
    public void RstStreamOfAnotherLengthThanFourIsAConnectionFrameSizeError(int length)
    {
        ExpectConnectionError(() => Read(Frame(RstStreamType, 0, 1, new byte[length]), Http2FrameReader.ReadRstStream), Http2ErrorCode.FrameSizeError, "section 6.4");
    }

    [Test]
    public void RstStreamOnStreamZeroIsAProtocolError()
    {
        ExpectConnectionError(() => Read(Frame(RstStreamType, 0, 0, 0, 0, 0, 8), Http2FrameReader.ReadRstStream), Http2ErrorCode.ProtocolError, "section 6.4");
    }

    [Test]
    public void RstStreamKeepsAnUnknownErrorCode()
    {
        Assert.That(Read(Frame(RstStreamType, 0, 1, 0, 0, 0x12, 0x34), Http2FrameReader.ReadRstStream, 1), Is.EqualTo((Http2ErrorCode)0x1234));
        Assert.That(Read(Frame(RstStreamType, 0, 1, 0, 0, 0, 8), Http2FrameReader.ReadRstStream), Is.EqualTo(Http2ErrorCode.Cancel));
    }

    // SETTINGS (RFC 9113 section 6.5)

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(4)]
    public void SettingsAreYieldedInOrderUnknownOnesIncluded(int segmentSize)
    {
        var frame = Frame(SettingsType, 0, 0, 0, 4, 0, 1, 0, 0, /* unknown */ 0xab, 0xcd, 0xff, 0xff, 0xff, 0xff, 0, 2, 0, 0, 0, 0);
        var (header, payload) = Single(frame, segmentSize);

        var settings = Http2FrameReader.ReadSettings(header, payload);
        var read = new List<Http2Setting>();
        foreach (var setting in settings)
        {
            read.Add(setting);
        }

        Assert.That(settings.Count, Is.EqualTo(3));
        Assert.That(read, Is.EqualTo(new[]
        {
            new Http2Setting(Http2SettingId.InitialWindowSize, 65536),
            new Http2Setting((Http2SettingId)0xabcd, uint.MaxValue),
            new Http2Setting(Http2SettingId.EnablePush, 0),
        }));
    }

    [Test]
    public void SettingsOnAStreamAreAProtocolError()
    {
        ExpectConnectionError(() => Read(Frame(SettingsType, 0, 1), Http2FrameReader.ReadSettings), Http2ErrorCode.ProtocolError, "SETTINGS frame on stream 1");
    }

    [Test]
    public void ASettingsAcknowledgementWithAPayloadIsAFrameSizeError()
    {
        ExpectConnectionError(() => Read(Frame(SettingsType, Ack, 0, 0, 2, 0, 0, 0, 0), Http2FrameReader.ReadSettings), Http2ErrorCode.FrameSizeError, "acknowledgement");
        Assert.That(Read(Frame(SettingsType, Ack, 0), Http2FrameReader.ReadSettings).Count, Is.Zero);
    }

    [TestCase(1)]
    [TestCase(5)]
    [TestCase(7)]
    [TestCase(13)]
    public void SettingsNotAMultipleOfSixBytesAreAFrameSizeError(int length)
    {
        ExpectConnectionError(() => Read(Frame(SettingsType, 0, 0, new byte[length]), Http2FrameReader.ReadSettings), Http2ErrorCode.FrameSizeError, "multiple of 6");
    }

    // PING (RFC 9113 section 6.7)

    [TestCase(0)]
    [TestCase(1)]
    public void PingDataIsReadBigEndian(int segmentSize)
    {
        Assert.That(Read(Frame(PingType, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8), Http2FrameReader.ReadPing, segmentSize), Is.EqualTo(0x0102030405060708UL));
    }

    [TestCase(0)]
    [TestCase(7)]
    [TestCase(9)]
    public void PingOfAnotherLengthThanEightIsAFrameSizeError(int length)
    {
        ExpectConnectionError(() => Read(Frame(PingType, 0, 0, new byte[length]), Http2FrameReader.ReadPing), Http2ErrorCode.FrameSizeError, "section 6.7");
    }

    [Test]
    public void PingOnAStreamIsAProtocolError()
    {
        ExpectConnectionError(() => Read(Frame(PingType, 0, 1, new byte[8]), Http2FrameReader.ReadPing), Http2ErrorCode.ProtocolError, "section 6.7");
    }

    // GOAWAY (RFC 9113 section 6.8)

    [TestCase(0)]
    [TestCase(1)]
    public void GoAwayFieldsAndDebugDataAreRead(int segmentSize)
    {
        var frame = Frame(GoAwayType, 0, 0, 0x80, 0, 0, 41, 0, 0, 0, 0xb, (byte)'c', (byte)'a', (byte)'l', (byte)'m');
        var (header, payload) = Single(frame, segmentSize);

        var goAway = Http2FrameReader.ReadGoAway(header, payload);

        Assert.That((goAway.LastStreamId, goAway.ErrorCode), Is.EqualTo((41, Http2ErrorCode.EnhanceYourCalm)), "the reserved bit is masked off");
        Assert.That(goAway.DebugData.ToArray(), Is.EqualTo("calm"u8.ToArray()));
    }

    [Test]
    public void GoAwayOnAStreamIsAProtocolError()
    {
        ExpectConnectionError(() => Read(Frame(GoAwayType, 0, 3, new byte[8]), Http2FrameReader.ReadGoAway), Http2ErrorCode.ProtocolError, "section 6.8");
    }

    [Test]
    public void GoAwayShorterThanEightBytesIsAFrameSizeError()
    {
        ExpectConnectionError(() => Read(Frame(GoAwayType, 0, 0, new byte[7]), Http2FrameReader.ReadGoAway), Http2ErrorCode.FrameSizeError, "at least 8");
    }

    // WINDOW_UPDATE (RFC 9113 section 6.9)

    [TestCase(0)]
    [TestCase(1)]
    public void WindowUpdateIncrementIsReadWithoutTheReservedBit(int segmentSize)
    {
        Assert.That(Read(Frame(WindowUpdateType, 0, 1, 0x80, 1, 0, 0), Http2FrameReader.ReadWindowUpdate, segmentSize), Is.EqualTo(65536));
        Assert.That(Read(Frame(WindowUpdateType, 0, 0, 0x7f, 0xff, 0xff, 0xff), Http2FrameReader.ReadWindowUpdate, segmentSize), Is.EqualTo(int.MaxValue));
    }

    [TestCase(3)]
    [TestCase(5)]
    public void WindowUpdateOfAnotherLengthThanFourIsAConnectionFrameSizeErrorEvenOnAStream(int length)
    {
        ExpectConnectionError(() => Read(Frame(WindowUpdateType, 0, 1, new byte[length]), Http2FrameReader.ReadWindowUpdate), Http2ErrorCode.FrameSizeError, "section 6.9");
    }

    [TestCase((byte)0)]
    [TestCase((byte)0x80)]
    public void AZeroIncrementOnAStreamIsAStreamProtocolError(byte reservedByte)
    {
        var (header, payload) = Single(Frame(WindowUpdateType, 0, 3, reservedByte, 0, 0, 0));

        var ex = Assert.Throws<Http2StreamException>(() => Http2FrameReader.ReadWindowUpdate(header, payload));

        Assert.That((ex!.StreamId, ex.ErrorCode), Is.EqualTo((3, Http2ErrorCode.ProtocolError)));
    }

    [Test]
    public void AZeroIncrementOnTheConnectionIsAConnectionProtocolError()
    {
        ExpectConnectionError(() => Read(Frame(WindowUpdateType, 0, 0, 0, 0, 0, 0), Http2FrameReader.ReadWindowUpdate), Http2ErrorCode.ProtocolError, "increment of 0");
    }

    // CONTINUATION (RFC 9113 section 6.10) and PUSH_PROMISE (section 6.6)

    [Test]
    public void ContinuationIsItsFragmentButNeverOnStreamZero()
    {
        Assert.That(Read(Frame(ContinuationType, EndHeaders, 1, 0x82), Http2FrameReader.ReadContinuation).ToArray(), Is.EqualTo(new byte[] { 0x82 }));
        ExpectConnectionError(() => Read(Frame(ContinuationType, EndHeaders, 0, 0x82), Http2FrameReader.ReadContinuation), Http2ErrorCode.ProtocolError, "section 6.10");
    }

    [TestCase(true, "only servers push")]
    [TestCase(false, "SETTINGS_ENABLE_PUSH 0")]
    public void PushPromiseIsRefusedAsAProtocolError(bool fromClient, string reason)
    {
        var (header, _) = Single(Frame(PushPromiseType, EndHeaders, 1, 0, 0, 0, 2, 0x82));

        var ex = Assert.Throws<Http2ConnectionException>(() => Http2FrameReader.RejectPushPromise(header, fromClient));

        Assert.That(ex!.ErrorCode, Is.EqualTo(Http2ErrorCode.ProtocolError));
        Assert.That(ex.Message, Does.Contain(reason));
    }

    private delegate T PayloadReader<T>(in Http2FrameHeader header, ReadOnlySequence<byte> payload);

    private static T Read<T>(byte[] frame, PayloadReader<T> read, int segmentSize = 0)
    {
        var (header, payload) = Single(frame, segmentSize);
        return read(header, payload);
    }

    private static byte[] Data(byte[] frame, int segmentSize = 0) => Read(frame, Http2FrameReader.ReadData, segmentSize).ToArray();

    private static byte[] Headers(byte[] frame) => Read(frame, (in Http2FrameHeader h, ReadOnlySequence<byte> p) => Http2FrameReader.ReadHeaders(h, p, out _)).ToArray();

    private static void ExpectConnectionError(TestDelegate action, Http2ErrorCode code, string reason)
    {
        var ex = Assert.Throws<Http2ConnectionException>(action);
        Assert.That(ex!.ErrorCode, Is.EqualTo(code));
        Assert.That(ex.Message, Does.Contain(reason));
    }
}
