using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Addons.Abstractions.Hooks;
using Addons.Host.Proxy.Tls;

namespace Addons.Host.Tests.Proxy.Tls;

public sealed class ClientHelloParserTests
{
    private const int Tls13Aes128GcmSha256 = 0x1301;

    /// <summary>The first bytes a real .NET client sent: one record holding its ClientHello.</summary>
    private byte[] _realHello = null!;

    [OneTimeSetUp]
    public async Task CaptureARealClientHelloAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            using var accepted = await listener.AcceptTcpClientAsync();
            await using var tls = new SslStream(client.GetStream());
            var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "sni.example",
                ApplicationProtocols = [new("h2"), new("http/1.1")],
            });

            var network = accepted.GetStream();
            var header = new byte[5];
            await network.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            _realHello = new byte[header.Length + (header[3] << 8 | header[4])];
            header.CopyTo(_realHello, 0);
            await network.ReadExactlyAsync(_realHello.AsMemory(header.Length)).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            accepted.Close();

            try
            {
                await handshake.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                // Expected: the "server" hung up instead of answering.
            }
        }
        finally
        {
            listener.Stop();
        }
    }

    [Test]
    public void ARealClientHelloGivesTheServerNameProtocolsAndCipherSuites()
    {
        var status = ClientHelloParser.TryParse(new ReadOnlySequence<byte>(_realHello), out var hello);

        Assert.That(status, Is.EqualTo(ClientHelloParseStatus.Success));
        AssertIsTheRealHello(hello);
    }

    [Test]
    public void AHelloInOneByteSegmentsParsesTheSame()
    {
        var status = ClientHelloParser.TryParse(InSegments(_realHello, 1), out var hello);

        Assert.That(status, Is.EqualTo(ClientHelloParseStatus.Success));
        AssertIsTheRealHello(hello);
    }

    [Test]
    public void EveryStrictPrefixNeedsMoreData()
    {
        var statuses = Enumerable.Range(0, _realHello.Length)
            .Select(length => ClientHelloParser.TryParse(new ReadOnlySequence<byte>(_realHello, 0, length), out _))
            .ToList();

        Assert.That(statuses, Is.All.EqualTo(ClientHelloParseStatus.NeedMoreData));
    }

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(100)]
    public void AHelloSplitOverSeveralRecordsIsReassembled(int recordLength)
    {
        var records = Reframe(_realHello.AsSpan(5), recordLength);

        var status = ClientHelloParser.TryParse(InSegments(records, 7), out var hello);

        Assert.That(status, Is.EqualTo(ClientHelloParseStatus.Success));
        AssertIsTheRealHello(hello);
    }

    [Test]
    public void EveryStrictPrefixOfASplitHelloNeedsMoreData()
    {
        var records = Reframe(_realHello.AsSpan(5), 100);

        var statuses = Enumerable.Range(0, records.Length)
            .Select(length => ClientHelloParser.TryParse(new ReadOnlySequence<byte>(records, 0, length), out _))
            .ToList();

        Assert.That(statuses, Is.All.EqualTo(ClientHelloParseStatus.NeedMoreData));
    }

    [Test]
    public void BytesAfterTheHelloAreIgnored()
    {
        var status = ClientHelloParser.TryParse(new ReadOnlySequence<byte>([.. _realHello, 0x17, 0x03, 0x03, 0x00]), out var hello);

        Assert.That(status, Is.EqualTo(ClientHelloParseStatus.Success));
        AssertIsTheRealHello(hello);
    }

    [TestCase("GET / HTTP/1.1\r\n")]
    [TestCase("CONNECT example.com:443 HTTP/1.1\r\n")]
    [TestCase("\u0016\u0002")]
    public void PlainTextIsNotTls(string text)
    {
        var status = ClientHelloParser.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out var hello);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(ClientHelloParseStatus.NotTls));
            Assert.That(hello, Is.Null);
        });
    }

    [Test]
    public void AHelloWithoutServerNameHasNoSni()
    {
        var bytes = Record(Hello(Extension(16, Alpn("http/1.1"))));

        var status = ClientHelloParser.TryParse(new ReadOnlySequence<byte>(bytes), out var hello);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(ClientHelloParseStatus.Success));
            Assert.That(hello!.Sni, Is.Null);
            Assert.That(hello.AlpnProtocols, Is.EqualTo(new[] { "http/1.1" }));
            Assert.That(hello.CipherSuites, Is.EqualTo(new[] { 0x1301, 0xC02F }));
        });
    }

    [Test]
    public void AHelloWithoutExtensionsHasNoSniAndNoProtocols()
    {
        var bytes = Record(Hello(extensions: null));

        var status = ClientHelloParser.TryParse(new ReadOnlySequence<byte>(bytes), out var hello);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(ClientHelloParseStatus.Success));
            Assert.That(hello!.Sni, Is.Null);
            Assert.That(hello.AlpnProtocols, Is.Empty);
        });
    }

    [Test]
    public void AnExtensionLengthPastTheEndOfTheExtensionsIsInvalid()
    {
        // The record and handshake lengths agree with the data; the server_name extension claims 200 bytes it does not have.
        var sni = Extension(0, ServerName("a.example"));
        sni[3] = 200;
        var bytes = Record(Hello(sni));

        var status = ClientHelloParser.TryParse(new ReadOnlySequence<byte>(bytes), out var hello);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(ClientHelloParseStatus.Invalid));
            Assert.That(hello, Is.Null);
        });
    }

    private static IEnumerable<TestCaseData> InvalidHellos()
    {
        var sniListTooLong = ServerName("a.example");
        sniListTooLong[1]++;
        yield return new TestCaseData(Record(Hello(Extension(0, sniListTooLong)))).SetName("{m}(server name list longer than its extension)");
        yield return new TestCaseData(Record(Hello(Extension(0, ServerName("caf\u00e9.example"))))).SetName("{m}(server name not ASCII)");
        yield return new TestCaseData(Record(Hello(Extension(0, ServerName("a.example")), Extension(0, ServerName("b.example"))))).SetName("{m}(server name twice)");
        yield return new TestCaseData(Record(Hello(Extension(16, [0, 3, 2, (byte)'h', (byte)'2', 0])))).SetName("{m}(protocol list shorter than its extension)");
        yield return new TestCaseData(Record(Hello(Extension(16, [0, 0])))).SetName("{m}(empty protocol list)");
        yield return new TestCaseData(Record(Hello(Extension(16, Alpn("h2", ""))))).SetName("{m}(empty protocol name)");
        var shortMessage = Hello(Extension(0, ServerName("a.example")));
        shortMessage[3]--;
        yield return new TestCaseData(Record(shortMessage)).SetName("{m}(handshake length shorter than the hello)");
        var serverHello = Hello(extensions: null);
        serverHello[0] = 2;
        yield return new TestCaseData(Record(serverHello)).SetName("{m}(not a ClientHello)");
        yield return new TestCaseData(Record(HandshakeMessage([3, 3]))).SetName("{m}(hello cut short)");
        yield return new TestCaseData(new byte[] { 0x16, 3, 1, 0, 0 }).SetName("{m}(empty record)");
        yield return new TestCaseData(new byte[] { 0x16, 3, 1, 0x40, 1 }).SetName("{m}(record over 16 KiB)");
        yield return new TestCaseData(new byte[] { 0x16, 3, 1, 0, 4, 1, 1, 0, 0 }).SetName("{m}(hello over 64 KiB)");
        var split = Reframe(Hello(extensions: null), 10);
        split[15] = 0x17;
        yield return new TestCaseData(split).SetName("{m}(second record not a handshake)");
    }

    [TestCaseSource(nameof(InvalidHellos))]
    public void MalformedHellosAreInvalid(byte[] bytes)
    {
        var status = ClientHelloParser.TryParse(new ReadOnlySequence<byte>(bytes), out var hello);

        Assert.Multiple(() =>
        {
            Assert.That(status, Is.EqualTo(ClientHelloParseStatus.Invalid));
            Assert.That(hello, Is.Null);
        });
    }

    [Test]
    public void DamagedHellosNeverThrow()
    {
        var random = new Random(20240611);
        var statuses = new HashSet<ClientHelloParseStatus>();
        for (var i = 0; i < 5000; i++)
        {
            var bytes = (byte[])_realHello.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            Assert.DoesNotThrow(() => statuses.Add(ClientHelloParser.TryParse(InSegments(bytes, random.Next(1, 64)), out _)));
        }

        Assert.That(statuses, Does.Contain(ClientHelloParseStatus.Invalid));
    }

    private static void AssertIsTheRealHello(ClientHello? hello)
    {
        Assert.That(hello, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(hello!.Sni, Is.EqualTo("sni.example"));
            Assert.That(hello.AlpnProtocols, Is.EqualTo(new[] { "h2", "http/1.1" }));
            Assert.That(hello.CipherSuites, Is.Not.Empty.And.Contains(Tls13Aes128GcmSha256));
        });
    }

    /// <summary>The same handshake bytes framed as records of at most <paramref name="recordLength"/> bytes each.</summary>
    private static byte[] Reframe(ReadOnlySpan<byte> handshake, int recordLength)
    {
        var output = new List<byte>();
        for (var offset = 0; offset < handshake.Length; offset += recordLength)
        {
            output.AddRange(Record(handshake.Slice(offset, Math.Min(recordLength, handshake.Length - offset)).ToArray()));
        }

        return [.. output];
    }

    private static byte[] Record(byte[] fragment) => [0x16, 3, 1, (byte)(fragment.Length >> 8), (byte)fragment.Length, .. fragment];

    private static byte[] HandshakeMessage(byte[] body) =>
        [1, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];

    /// <summary>A minimal TLS 1.2-style ClientHello with two cipher suites and the given extensions (none if null).</summary>
    private static byte[] Hello(params byte[][]? extensions)
    {
        byte[] body = [3, 3, .. new byte[32], 0, 0, 4, 0x13, 0x01, 0xC0, 0x2F, 1, 0];
        if (extensions is not null)
        {
            byte[] all = [.. extensions.SelectMany(e => e)];
            body = [.. body, (byte)(all.Length >> 8), (byte)all.Length, .. all];
        }

        return HandshakeMessage(body);
    }

    private static byte[] Extension(int type, byte[] data) => [(byte)(type >> 8), (byte)type, (byte)(data.Length >> 8), (byte)data.Length, .. data];

    private static byte[] ServerName(string host)
    {
        var name = Encoding.UTF8.GetBytes(host);
        byte[] entry = [0, (byte)(name.Length >> 8), (byte)name.Length, .. name];
        return [(byte)(entry.Length >> 8), (byte)entry.Length, .. entry];
    }

    private static byte[] Alpn(params string[] protocols)
    {
        byte[] list = [.. protocols.SelectMany(p => (byte[])[(byte)p.Length, .. Encoding.ASCII.GetBytes(p)])];
        return [(byte)(list.Length >> 8), (byte)list.Length, .. list];
    }

    /// <summary>The bytes as a sequence of separate segments of <paramref name="size"/> bytes, as a pipe hands them over.</summary>
    private static ReadOnlySequence<byte> InSegments(byte[] bytes, int size)
    {
        var first = new Segment(bytes.AsSpan(0, Math.Min(size, bytes.Length)).ToArray(), 0);
        var last = first;
        for (var offset = size; offset < bytes.Length; offset += size)
        {
            last = last.Append(bytes.AsSpan(offset, Math.Min(size, bytes.Length - offset)).ToArray());
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
