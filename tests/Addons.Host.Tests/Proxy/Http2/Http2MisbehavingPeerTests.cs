using System.Buffers.Binary;
using System.Text;
using Addons.Host.Proxy.Http2;
using Addons.Host.Tests.Infrastructure;

namespace Addons.Host.Tests.Proxy.Http2;

/// <summary>
/// Clients that break HTTP/2 on purpose, frame by frame: each gets the error RFC 9113 names (GOAWAY for the
/// connection, RST_STREAM for a stream), never a hang, and the proxy goes on serving everyone else.
/// </summary>
public sealed class Http2MisbehavingPeerTests
{
    private string _folder = null!;
    private KestrelOrigin _origin = null!;
    private ProxyHarness _proxy = null!;
    private readonly HoldingAddon _holder = new();

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _folder = Directory.CreateTempSubdirectory("addons-h2-raw-").FullName;
        _origin = await KestrelOrigin.StartAsync(_folder);
        _proxy = await ProxyHarness.StartAsync([ProxyHarness.Recorder], [_holder], "--set", $"mode=reverse:http://127.0.0.1:{_origin.HttpPort}");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [TearDown]
    public async Task TheProxyStillServesOthersAsync()
    {
        await using var client = await RawH2Client.ConnectAsync(_proxy.EndPoint);
        await client.StartAsync();
        await client.SendRequestAsync(1, "GET", "/hello", "example");
        Assert.That(await client.ReadStatusAsync(1), Is.EqualTo(200), "another client is still served");
    }

    [Test]
    public async Task AWellBehavedClientIsAnswered()
    {
        await using var client = await Connect();

        await client.SendRequestAsync(1, "GET", "/big/100", "example");

        Assert.That(await client.ReadStatusAsync(1), Is.EqualTo(200));
        var data = await client.ReadUntilAsync(Http2FrameType.Data, 1);
        Assert.That(data!.Value.Payload, Has.Length.EqualTo(100));
        Assert.That(data.Value.Header.IsEndStream, Is.True);
    }

    [Test]
    public async Task AFrameLargerThanMaxFrameSizeIsAFrameSizeError()
    {
        await using var client = await Connect();

        // Only the header of a 20,000-byte frame: the proxy must not wait for its payload.
        await client.SendAsync(w => Http2FrameWriter.WriteFrameHeader(w, 20_000, Http2FrameType.Data, Http2FrameFlags.None, 1));

        Assert.That(await client.ReadGoAwayCodeAsync(), Is.EqualTo(Http2ErrorCode.FrameSizeError));
        Assert.That(await client.ClosesAsync(), Is.True);
    }

    [Test]
    public async Task AFrameBetweenHeadersAndItsContinuationIsAProtocolError()
    {
        await using var client = await Connect();
        var block = client.RequestBlock("POST", "/echo", "example");

        await client.SendAsync(w =>
        {
            Http2FrameWriter.WriteFrame(w, Http2FrameType.Headers, Http2FrameFlags.None, 1, block);
            Http2FrameWriter.WriteFrame(w, Http2FrameType.Data, Http2FrameFlags.EndStream, 1, "x"u8);
        });

        Assert.That(await client.ReadGoAwayCodeAsync(), Is.EqualTo(Http2ErrorCode.ProtocolError));
        Assert.That(await client.ClosesAsync(), Is.True);
    }

    [Test]
    public async Task AContinuationFloodIsCutOff()
    {
        await using var client = await Connect();
        var block = client.RequestBlock("GET", "/hello", "example");

        await client.SendAsync(w =>
        {
            Http2FrameWriter.WriteFrame(w, Http2FrameType.Headers, Http2FrameFlags.None, 1, block);
            for (var i = 0; i < 100; i++)
            {
                Http2FrameWriter.WriteFrame(w, Http2FrameType.Continuation, Http2FrameFlags.None, 1, []);
            }
        });

        Assert.That(await client.ReadGoAwayCodeAsync(), Is.EqualTo(Http2ErrorCode.EnhanceYourCalm));
    }

    [Test]
    public async Task AWindowUpdatePastTheLargestWindowIsAFlowControlError()
    {
        await using var client = await Connect();

        await client.SendAsync(w => Http2FrameWriter.WriteWindowUpdate(w, 0, int.MaxValue));

        Assert.That(await client.ReadGoAwayCodeAsync(), Is.EqualTo(Http2ErrorCode.FlowControlError));
    }

    [Test]
    public async Task AZeroWindowUpdateOnTheConnectionIsAProtocolError()
    {
        await using var client = await Connect();

        await client.SendRawAsync([0, 0, 4, (byte)Http2FrameType.WindowUpdate, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        Assert.That(await client.ReadGoAwayCodeAsync(), Is.EqualTo(Http2ErrorCode.ProtocolError));
    }

    [Test]
    public async Task DataBeyondTheStreamsWindowIsAFlowControlErrorOnThatStream()
    {
        await using var client = await Connect();

        // Held in requestheaders, the exchange reads nothing: the window is not given back meanwhile.
        await client.SendRequestAsync(1, "POST", "/hold", "example", endStream: false);
        var chunk = new byte[16_384];

        // The stream's window is 1 MiB: 65 full frames overrun it.
        await client.SendAsync(w =>
        {
            for (var i = 0; i < 65; i++)
            {
                Http2FrameWriter.WriteFrame(w, Http2FrameType.Data, Http2FrameFlags.None, 1, chunk);
            }
        });

        Assert.That(await client.ReadResetCodeAsync(1), Is.EqualTo(Http2ErrorCode.FlowControlError));
        _holder.Release();
    }

    [Test]
    public async Task RapidResetIsCutOffWithEnhanceYourCalm()
    {
        await using var client = await Connect();

        await client.SendAsync(w =>
        {
            var block = client.RequestBlock("GET", "/hello", "example");
            for (var id = 1; id < 1000; id += 2)
            {
                Http2FrameWriter.WriteFrame(w, Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, id, block);
                Http2FrameWriter.WriteRstStream(w, id, Http2ErrorCode.Cancel);
            }
        });

        Assert.That(await client.ReadGoAwayCodeAsync(), Is.EqualTo(Http2ErrorCode.EnhanceYourCalm));
    }

    [Test]
    public async Task StreamsBeyondMaxConcurrentStreamsAreRefused()
    {
        await using var client = await Connect();

        // 101 requests whose bodies never come keep their streams open.
        await client.SendAsync(w =>
        {
            var block = client.RequestBlock("POST", "/echo", "example");
            for (var id = 1; id <= 201; id += 2)
            {
                Http2FrameWriter.WriteFrame(w, Http2FrameType.Headers, Http2FrameFlags.EndHeaders, id, block);
            }
        });

        Assert.That(await client.ReadResetCodeAsync(201), Is.EqualTo(Http2ErrorCode.RefusedStream));
    }

    [Test]
    public async Task AHeaderListLargerThanTheLimitGets431AndTheConnectionGoesOn()
    {
        await using var client = await Connect();
        var block = client.RequestBlock("GET", "/hello", "example", ("x-big", new string('b', 70_000)));

        await client.SendAsync(w => Http2FrameWriter.WriteHeaders(w, 1, block, endStream: true, Http2Settings.DefaultMaxFrameSize));
        Assert.That(await client.ReadStatusAsync(1), Is.EqualTo(431));

        await client.SendRequestAsync(3, "GET", "/hello", "example");
        Assert.That(await client.ReadStatusAsync(3), Is.EqualTo(200), "the HPACK state stayed in step");
    }

    [Test]
    public async Task AMalformedRequestIsResetWithProtocolError()
    {
        await using var client = await Connect();
        var block = client.RequestBlock("GET", "/hello", "example", ("Upper-Case", "x"));

        await client.SendAsync(w => Http2FrameWriter.WriteHeaders(w, 1, block, endStream: true, Http2Settings.DefaultMaxFrameSize));

        Assert.That(await client.ReadResetCodeAsync(1), Is.EqualTo(Http2ErrorCode.ProtocolError));
    }

    [Test]
    public async Task DataAfterTheClientEndedItsStreamIsStreamClosed()
    {
        await using var client = await Connect();
        await client.SendRequestAsync(1, "GET", "/hold", "example");
        await _holder.Entered;

        await client.SendAsync(w => Http2FrameWriter.WriteFrame(w, Http2FrameType.Data, Http2FrameFlags.None, 1, "late"u8));

        Assert.That(await client.ReadResetCodeAsync(1), Is.EqualTo(Http2ErrorCode.StreamClosed));
        _holder.Release();
    }

    [Test]
    public async Task PingIsAnsweredWithTheSameData()
    {
        await using var client = await Connect();

        await client.SendAsync(w => Http2FrameWriter.WritePing(w, 0x0102030405060708, ack: false));

        var pong = await client.ReadUntilAsync(Http2FrameType.Ping);
        Assert.That((pong!.Value.Header.IsAck, BinaryPrimitives.ReadUInt64BigEndian(pong.Value.Payload)), Is.EqualTo((true, 0x0102030405060708UL)));
    }

    [Test]
    public async Task AHeldStreamDoesNotHoldItsSiblings()
    {
        await using var client = await Connect();

        await client.SendRequestAsync(1, "GET", "/hold", "example");
        await client.SendRequestAsync(3, "GET", "/hello", "example");

        Assert.That(await client.ReadStatusAsync(3), Is.EqualTo(200), "stream 3 was answered while stream 1 is held");
        _holder.Release();
        Assert.That(await client.ReadStatusAsync(1), Is.EqualTo(404), "released, stream 1 went on to the origin, which has no /hold");
    }

    [Test]
    public async Task AStreamTheClientResetsEndsItsFlowWithAnError()
    {
        await using var client = await Connect();
        var ended = _holder.EndedAsync("/hold");
        await client.SendRequestAsync(1, "GET", "/hold", "example");
        await _holder.Entered;

        await client.SendAsync(w => Http2FrameWriter.WriteRstStream(w, 1, Http2ErrorCode.Cancel));

        var flow = await ended;
        Assert.That(flow.Error?.Message, Is.EqualTo("The client reset the stream (CANCEL)."));
        Assert.That(flow.Response, Is.Null);
    }

    [Test]
    public async Task AKilledFlowResetsItsStreamOnly()
    {
        await using var client = await Connect();

        await client.SendRequestAsync(1, "GET", "/kill", "example");
        await client.SendRequestAsync(3, "GET", "/hello", "example");

        // The two answers may come in either order.
        Http2ErrorCode? reset = null;
        int? status = null;
        while ((reset is null || status is null) && await client.ReadFrameAsync() is { } frame)
        {
            if (frame.Header.Type == Http2FrameType.RstStream && frame.Header.StreamId == 1)
            {
                reset = (Http2ErrorCode)BinaryPrimitives.ReadUInt32BigEndian(frame.Payload);
            }
            else if (frame.Header.Type == Http2FrameType.Headers)
            {
                var decoded = client.Status(frame);
                if (frame.Header.StreamId == 3)
                {
                    status = decoded;
                }
            }
        }

        Assert.That(reset, Is.EqualTo(Http2ErrorCode.Cancel));
        Assert.That(status, Is.EqualTo(200), "the connection goes on");
    }

    [Test]
    public async Task TlsWithH2ButNoPrefaceIsAProtocolError()
    {
        await using var explicitProxy = await ProxyHarness.StartAsync();
        await using var client = await RawH2Client.ConnectTlsAsync(explicitProxy.EndPoint, "localhost", 443, explicitProxy.CaCertificate);

        await client.SendRawAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));

        Assert.That(await client.ReadGoAwayCodeAsync(), Is.EqualTo(Http2ErrorCode.ProtocolError));
        Assert.That(await client.ClosesAsync(), Is.True);
    }

    private async Task<RawH2Client> Connect()
    {
        var client = await RawH2Client.ConnectAsync(_proxy.EndPoint);
        await client.StartAsync();
        return client;
    }
}
