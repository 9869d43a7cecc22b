using Addons.Host.Proxy.Http2;
using static Addons.Host.Tests.Proxy.Http2.Http2Bytes;

namespace Addons.Host.Tests.Proxy.Http2;

public sealed class Http2SettingsTests
{
    [Test]
    public void SettingsStartAtTheRfcInitialValues()
    {
        var settings = new Http2Settings();

        Assert.That(Snapshot(settings), Is.EqualTo((4096, true, int.MaxValue, 65535, 16384, int.MaxValue, false)));
    }

    [Test]
    public void EachKnownSettingIsApplied()
    {
        var settings = new Http2Settings();

        settings.Apply(Http2SettingId.HeaderTableSize, 0);
        settings.Apply(Http2SettingId.EnablePush, 0);
        settings.Apply(Http2SettingId.MaxConcurrentStreams, 100);
        settings.Apply(Http2SettingId.InitialWindowSize, 1 << 20);
        settings.Apply(Http2SettingId.MaxFrameSize, 1 << 20);
        settings.Apply(Http2SettingId.MaxHeaderListSize, 65536);
        settings.Apply(new Http2Setting(Http2SettingId.EnableConnectProtocol, 1));

        Assert.That(Snapshot(settings), Is.EqualTo((0, false, 100, 1 << 20, 1 << 20, 65536, true)));
    }

    [TestCase(0x3)] // MAX_CONCURRENT_STREAMS
    [TestCase(0x6)] // MAX_HEADER_LIST_SIZE
    [TestCase(0x1)] // HEADER_TABLE_SIZE
    public void ValuesBeyondAnIntAreCapped(int setting)
    {
        var id = (Http2SettingId)setting;
        var settings = new Http2Settings();

        settings.Apply(id, uint.MaxValue);

        var (tableSize, _, streams, _, _, listSize, _) = Snapshot(settings);
        Assert.That(id switch
        {
            Http2SettingId.MaxConcurrentStreams => streams,
            Http2SettingId.MaxHeaderListSize => listSize,
            _ => tableSize,
        }, Is.EqualTo(int.MaxValue));
    }

    [TestCase(2u)]
    [TestCase(uint.MaxValue)]
    public void EnablePushOtherThanZeroOrOneIsAProtocolError(uint value)
    {
        ExpectError(() => new Http2Settings().Apply(Http2SettingId.EnablePush, value), Http2ErrorCode.ProtocolError, "SETTINGS_ENABLE_PUSH");
    }

    [Test]
    public void AServerMayNotEnablePush()
    {
        var server = new Http2Settings(sentByServer: true);

        ExpectError(() => server.Apply(Http2SettingId.EnablePush, 1), Http2ErrorCode.ProtocolError, "from a server");
        server.Apply(Http2SettingId.EnablePush, 0);
        Assert.That(server.EnablePush, Is.False);

        var client = new Http2Settings();
        client.Apply(Http2SettingId.EnablePush, 0);
        client.Apply(Http2SettingId.EnablePush, 1);
        Assert.That(client.EnablePush, Is.True);
    }

    [Test]
    public void AnInitialWindowAboveTwoToTheThirtyFirstMinusOneIsAFlowControlError()
    {
        var settings = new Http2Settings();

        ExpectError(() => settings.Apply(Http2SettingId.InitialWindowSize, 0x80000000), Http2ErrorCode.FlowControlError, "SETTINGS_INITIAL_WINDOW_SIZE");
        Assert.That(settings.InitialWindowSize, Is.EqualTo(65535), "unchanged");
        settings.Apply(Http2SettingId.InitialWindowSize, 0x7FFFFFFF);
        Assert.That(settings.InitialWindowSize, Is.EqualTo(int.MaxValue));
    }

    [TestCase(0u)]
    [TestCase(16383u)]
    [TestCase(16777216u)]
    [TestCase(uint.MaxValue)]
    public void AMaxFrameSizeOutsideItsRangeIsAProtocolError(uint value)
    {
        ExpectError(() => new Http2Settings().Apply(Http2SettingId.MaxFrameSize, value), Http2ErrorCode.ProtocolError, "SETTINGS_MAX_FRAME_SIZE");
    }

    [TestCase(16384u)]
    [TestCase(16777215u)]
    public void TheBoundsOfTheMaxFrameSizeAreAccepted(uint value)
    {
        var settings = new Http2Settings();

        settings.Apply(Http2SettingId.MaxFrameSize, value);

        Assert.That(settings.MaxFrameSize, Is.EqualTo((int)value));
    }

    [Test]
    public void EnableConnectProtocolOtherThanZeroOrOneIsAProtocolError()
    {
        ExpectError(() => new Http2Settings().Apply(Http2SettingId.EnableConnectProtocol, 2), Http2ErrorCode.ProtocolError, "RFC 8441");
    }

    [TestCase(0x7)]
    [TestCase(0x9)]
    [TestCase(0xabcd)]
    public void UnknownSettingsAreIgnored(int id)
    {
        var settings = new Http2Settings();
        var before = Snapshot(settings);

        Assert.That(settings.Apply((Http2SettingId)id, uint.MaxValue), Is.Zero);
        Assert.That(Snapshot(settings), Is.EqualTo(before));
    }

    [Test]
    public void ApplyingTheInitialWindowSizeReturnsHowMuchItChanged()
    {
        var settings = new Http2Settings();

        Assert.That(settings.Apply(Http2SettingId.InitialWindowSize, 100000), Is.EqualTo(100000 - 65535));
        Assert.That(settings.Apply(Http2SettingId.InitialWindowSize, 0), Is.EqualTo(-100000));
        Assert.That(settings.Apply(Http2SettingId.InitialWindowSize, 0x7FFFFFFF), Is.EqualTo(int.MaxValue));
        Assert.That(settings.Apply(Http2SettingId.InitialWindowSize, 0), Is.EqualTo(-int.MaxValue));
        Assert.That(settings.Apply(Http2SettingId.MaxFrameSize, 20000), Is.Zero, "other settings do not move windows");
    }

    [TestCase(0)]
    [TestCase(1)]
    public void AFrameIsAppliedInOrderAndReturnsItsNetWindowChange(int segmentSize)
    {
        var frame = Written(w => Http2FrameWriter.WriteSettings(w,
        [
            new(Http2SettingId.InitialWindowSize, 1000),
            new(Http2SettingId.MaxFrameSize, 20000),
            new((Http2SettingId)0x99, 1),
            new(Http2SettingId.InitialWindowSize, 70000),
        ]));
        var (header, payload) = Single(frame, segmentSize);
        var settings = new Http2Settings();

        var delta = settings.Apply(Http2FrameReader.ReadSettings(header, payload));

        Assert.That(delta, Is.EqualTo(70000 - 65535));
        Assert.That((settings.InitialWindowSize, settings.MaxFrameSize), Is.EqualTo((70000, 20000)));
    }

    [Test]
    public void AnInvalidValueInAFrameIsAnErrorWhereverItIs()
    {
        var frame = Written(w => Http2FrameWriter.WriteSettings(w, [new(Http2SettingId.HeaderTableSize, 0), new(Http2SettingId.EnablePush, 2)]));
        var (header, payload) = Single(frame);

        ExpectError(() => new Http2Settings().Apply(Http2FrameReader.ReadSettings(header, payload)), Http2ErrorCode.ProtocolError, "section 6.5.2");
    }

    private static (int, bool, int, int, int, int, bool) Snapshot(Http2Settings s) =>
        (s.HeaderTableSize, s.EnablePush, s.MaxConcurrentStreams, s.InitialWindowSize, s.MaxFrameSize, s.MaxHeaderListSize, s.EnableConnectProtocol);

    private static void ExpectError(TestDelegate action, Http2ErrorCode code, string reason)
    {
        var ex = Assert.Throws<Http2ConnectionException>(action);
        Assert.That(ex!.ErrorCode, Is.EqualTo(code));
        Assert.That(ex.Message, Does.Contain(reason));
    }
}
