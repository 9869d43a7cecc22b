using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Host.Proxy.Http2;
using Addons.Host.Proxy.Http2.Hpack;

namespace Addons.Host.Tests.Infrastructure;

/// <summary>
/// An HTTP/2 client over cleartext (h2c with prior knowledge) that sends exactly the frames a test writes, including
/// ones that break the protocol, and reads what the proxy answers frame by frame.
/// </summary>
internal sealed class RawH2Client : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly HpackEncoder _encoder = new();
    private readonly HpackDecoder _decoder = new();

    private RawH2Client(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
        _reader = PipeReader.Create(_stream);
    }

    /// <summary>Cleartext, to a proxy in reverse mode (h2c with prior knowledge).</summary>
    public static async Task<RawH2Client> ConnectAsync(IPEndPoint endPoint)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(endPoint);
        return new RawH2Client(tcp, tcp.GetStream());
    }

    /// <summary>Through a CONNECT tunnel to host:port, TLS with the proxy's certificate and ALPN h2.</summary>
    public static async Task<RawH2Client> ConnectTlsAsync(IPEndPoint proxy, string host, int port, X509Certificate2 ca)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(proxy);
        var network = tcp.GetStream();
        await network.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n"));
        var head = new List<byte>();
        while (head.Count < 4 || !head.TakeLast(4).SequenceEqual("\r\n\r\n"u8.ToArray()))
        {
            var b = network.ReadByte();
            Assert.That(b, Is.Not.EqualTo(-1), "the proxy closed the tunnel");
            head.Add((byte)b);
        }

        Assert.That(Encoding.ASCII.GetString([.. head]), Does.StartWith("HTTP/1.1 200"));
        var ssl = new SslStream(network, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = host,
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            RemoteCertificateValidationCallback = (_, cert, _, _) => ProxyHarness.IsSignedBy(cert, ca),
        });
        Assert.That(ssl.NegotiatedApplicationProtocol, Is.EqualTo(SslApplicationProtocol.Http2), "the proxy chose h2");
        return new RawH2Client(tcp, ssl);
    }

    /// <summary>The preface and an empty SETTINGS frame, as every client starts.</summary>
    public Task StartAsync() => SendAsync(w =>
    {
        Http2FrameWriter.WriteClientPreface(w);
        Http2FrameWriter.WriteSettings(w, []);
    });

    public async Task SendAsync(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        await _stream.WriteAsync(buffer.WrittenMemory);
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>An HPACK block for a request (pseudo-header fields first, then <paramref name="extra"/>).</summary>
    public byte[] RequestBlock(string method, string path, string authority, params (string Name, string Value)[] extra)
    {
        var fields = new List<HeaderField> { new(":method", method), new(":scheme", "http"), new(":authority", authority), new(":path", path) };
        fields.AddRange(extra.Select(e => new HeaderField(e.Name, e.Value)));
        var block = new ArrayBufferWriter<byte>();
        _encoder.Encode(fields, block);
        return block.WrittenSpan.ToArray();
    }

    public Task SendRequestAsync(int streamId, string method, string path, string authority, bool endStream = true) =>
        SendAsync(w => Http2FrameWriter.WriteHeaders(w, streamId, RequestBlock(method, path, authority), endStream, Http2Settings.DefaultMaxFrameSize));

    /// <summary>The next frame; null when the proxy closed the connection.</summary>
    public async Task<(Http2FrameHeader Header, byte[] Payload)?> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            ReadResult result;
            try
            {
                result = await _reader.ReadAsync(cancel.Token);
            }
            catch (IOException)
            {
                return null;
            }

            var buffer = result.Buffer;
            if (Http2FrameReader.TryReadFrame(ref buffer, Http2Settings.MaxFrameSizeLimit, out var header, out var payload))
            {
                var bytes = payload.ToArray();
                _reader.AdvanceTo(buffer.Start);
                return (header, bytes);
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    /// <summary>Reads frames until one of <paramref name="type"/> (on <paramref name="streamId"/> when given) comes; null if the connection closes first.</summary>
    public async Task<(Http2FrameHeader Header, byte[] Payload)?> ReadUntilAsync(Http2FrameType type, int? streamId = null)
    {
        while (await ReadFrameAsync() is { } frame)
        {
            if (frame.Header.Type == type && (streamId is null || frame.Header.StreamId == streamId))
            {
                return frame;
            }
        }

        return null;
    }

    /// <summary>The <c>:status</c> of the response on a stream, reading past other frames; null if the connection closes first.</summary>
    public async Task<int?> ReadStatusAsync(int streamId)
    {
        if (await ReadUntilAsync(Http2FrameType.Headers, streamId) is not { } frame)
        {
            return null;
        }

        return Status(frame);
    }

    /// <summary>The <c>:status</c> of a HEADERS frame read with <see cref="ReadFrameAsync"/> (every HEADERS frame must be decoded, in order).</summary>
    public int Status((Http2FrameHeader Header, byte[] Payload) frame)
    {
        var fields = new List<HeaderField>();
        _decoder.Decode(Http2FrameReader.ReadHeaders(frame.Header, new ReadOnlySequence<byte>(frame.Payload), out _).ToArray(), fields, int.MaxValue);
        return int.Parse(fields.Single(f => f.Name == ":status").Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The error code of the RST_STREAM the proxy sends on a stream; null if the connection closes first.</summary>
    public async Task<Http2ErrorCode?> ReadResetCodeAsync(int streamId)
    {
        var frame = await ReadUntilAsync(Http2FrameType.RstStream, streamId);
        return frame is { } f ? (Http2ErrorCode)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(f.Payload) : null;
    }

    /// <summary>The error code of the GOAWAY the proxy sends, reading past other frames; null if it closes without one.</summary>
    public async Task<Http2ErrorCode?> ReadGoAwayCodeAsync()
    {
        var frame = await ReadUntilAsync(Http2FrameType.GoAway);
        return frame is { } f ? (Http2ErrorCode)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(f.Payload.AsSpan(4)) : null;
    }

    /// <summary>Whether the proxy closes the connection (after whatever it still sends) within the timeout.</summary>
    public async Task<bool> ClosesAsync()
    {
        while (true)
        {
            try
            {
                if (await ReadFrameAsync(TimeSpan.FromSeconds(10)) is null)
                {
                    return true;
                }
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        _tcp.Dispose();
    }
}
