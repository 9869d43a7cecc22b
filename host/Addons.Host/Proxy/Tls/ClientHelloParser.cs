using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Addons.Abstractions.Hooks;

namespace Addons.Host.Proxy.Tls;

/// <summary>
/// Reads the ClientHello a client sends first, before the proxy answers it: the server name says which certificate
/// to forge and which upstream to dial, the offered protocols which ALPN to ask upstream for. Input comes straight
/// from the network, so every length is checked and malformed input is reported, never thrown.
/// </summary>
internal static class ClientHelloParser
{
    /// <summary>The largest ClientHello accepted, handshake header included; real ones are a few KiB at most.</summary>
    public const int MaxHelloSize = 64 * 1024;

    private const byte HandshakeContentType = 0x16;
    private const byte ClientHelloMessageType = 0x01;
    private const int RecordHeaderSize = 5;
    private const int HandshakeHeaderSize = 4;
    private const int MaxRecordLength = 16 * 1024; // the plaintext limit of RFC 8446, section 5.1
    private const int ServerNameExtension = 0;
    private const int AlpnExtension = 16;
    private const byte HostNameType = 0;

    /// <summary>
    /// Parses the ClientHello at the start of <paramref name="buffer"/>, reassembling it when the client split it over
    /// several TLS records. Bytes after the ClientHello are ignored.
    /// </summary>
    public static ClientHelloParseStatus TryParse(ReadOnlySequence<byte> buffer, out ClientHello? hello)
    {
        hello = null;
        var reader = new SequenceReader<byte>(buffer);
        Span<byte> header = stackalloc byte[HandshakeHeaderSize];
        byte[]? message = null;
        var messageLength = -1; // unknown until the handshake header is complete
        var collected = 0;
        try
        {
            while (messageLength < 0 || collected < messageLength)
            {
                var status = ReadRecordHeader(ref reader, isFirst: reader.Consumed == 0, out var recordLength);
                if (status != ClientHelloParseStatus.Success)
                {
                    return status;
                }

                if (reader.Remaining < recordLength)
                {
                    return ClientHelloParseStatus.NeedMoreData;
                }

                var fragment = reader.UnreadSequence.Slice(0, recordLength);
                reader.Advance(recordLength);
                foreach (var segment in fragment)
                {
                    var span = segment.Span;
                    while (!span.IsEmpty && (messageLength < 0 || collected < messageLength))
                    {
                        if (messageLength < 0)
                        {
                            var take = Math.Min(HandshakeHeaderSize - collected, span.Length);
                            span[..take].CopyTo(header[collected..]);
                            collected += take;
                            span = span[take..];
                            if (collected == HandshakeHeaderSize)
                            {
                                messageLength = HandshakeHeaderSize + (header[1] << 16 | header[2] << 8 | header[3]);
                                if (header[0] != ClientHelloMessageType || messageLength > MaxHelloSize)
                                {
                                    return ClientHelloParseStatus.Invalid;
                                }

                                message = ArrayPool<byte>.Shared.Rent(messageLength);
                                header.CopyTo(message);
                            }
                        }
                        else
                        {
                            var take = Math.Min(messageLength - collected, span.Length);
                            span[..take].CopyTo(message.AsSpan(collected));
                            collected += take;
                            span = span[take..];
                        }
                    }
                }
            }

            return ParseBody(message.AsSpan(HandshakeHeaderSize, messageLength - HandshakeHeaderSize), out hello);
        }
        finally
        {
            if (message is not null)
            {
                ArrayPool<byte>.Shared.Return(message);
            }
        }
    }

    /// <summary>Reads a record header; a wrong type or version is <c>NotTls</c> on the first record and <c>Invalid</c> after.</summary>
    private static ClientHelloParseStatus ReadRecordHeader(ref SequenceReader<byte> reader, bool isFirst, out int length)
    {
        length = 0;
        var wrong = isFirst ? ClientHelloParseStatus.NotTls : ClientHelloParseStatus.Invalid;
        if (!reader.TryRead(out var contentType))
        {
            return ClientHelloParseStatus.NeedMoreData;
        }

        if (contentType != HandshakeContentType)
        {
            return wrong;
        }

        if (!reader.TryRead(out var major))
        {
            return ClientHelloParseStatus.NeedMoreData;
        }

        if (major != 3)
        {
            return wrong;
        }

        if (reader.Remaining < RecordHeaderSize - 2)
        {
            return ClientHelloParseStatus.NeedMoreData;
        }

        reader.Advance(1); // minor version: any TLS or SSL 3 value is fine for reading the hello
        reader.TryReadBigEndian(out short recordLength);
        length = (ushort)recordLength;
        return length is > 0 and <= MaxRecordLength ? ClientHelloParseStatus.Success : ClientHelloParseStatus.Invalid;
    }

    /// <summary>Parses the ClientHello body (RFC 8446, section 4.1.2) after its handshake header.</summary>
    private static ClientHelloParseStatus ParseBody(ReadOnlySpan<byte> body, out ClientHello? hello)
    {
        hello = null;
        if (!TrySkip(ref body, 2 + 32) // legacy_version, random
            || !TryReadVector8(ref body, out var sessionId) || sessionId.Length > 32
            || !TryReadVector16(ref body, out var suites) || suites.Length < 2 || suites.Length % 2 != 0
            || !TryReadVector8(ref body, out var compressionMethods) || compressionMethods.IsEmpty)
        {
            return ClientHelloParseStatus.Invalid;
        }

        var cipherSuites = new int[suites.Length / 2];
        for (var i = 0; i < cipherSuites.Length; i++)
        {
            cipherSuites[i] = BinaryPrimitives.ReadUInt16BigEndian(suites[(2 * i)..]);
        }

        string? serverName = null;
        IReadOnlyList<string> protocols = [];
        var seenServerName = false;
        var seenAlpn = false;

        // Hellos from before TLS 1.2 may end here, without extensions.
        if (!body.IsEmpty)
        {
            if (!TryReadVector16(ref body, out var extensions) || !body.IsEmpty)
            {
                return ClientHelloParseStatus.Invalid;
            }

            while (!extensions.IsEmpty)
            {
                if (!TryReadUInt16(ref extensions, out var type) || !TryReadVector16(ref extensions, out var data))
                {
                    return ClientHelloParseStatus.Invalid;
                }

                switch (type)
                {
                    case ServerNameExtension when seenServerName:
                    case AlpnExtension when seenAlpn:
                        return ClientHelloParseStatus.Invalid; // RFC 8446: no extension type twice
                    case ServerNameExtension:
                        seenServerName = true;
                        if (!TryParseServerName(data, out serverName))
                        {
                            return ClientHelloParseStatus.Invalid;
                        }

                        break;
                    case AlpnExtension:
                        seenAlpn = true;
                        if (!TryParseAlpn(data, out protocols))
                        {
                            return ClientHelloParseStatus.Invalid;
                        }

                        break;
                }
            }
        }

        hello = new ClientHello { Sni = serverName, AlpnProtocols = protocols, CipherSuites = cipherSuites };
        return ClientHelloParseStatus.Success;
    }

    /// <summary>The server_name extension (RFC 6066, section 3): a list with at most one host name, in ASCII.</summary>
    private static bool TryParseServerName(ReadOnlySpan<byte> data, out string? hostName)
    {
        hostName = null;
        if (!TryReadVector16(ref data, out var list) || !data.IsEmpty || list.IsEmpty)
        {
            return false;
        }

        while (!list.IsEmpty)
        {
            if (!TryReadUInt8(ref list, out var nameType) || !TryReadVector16(ref list, out var name) || name.IsEmpty)
            {
                return false;
            }

            if (nameType != HostNameType)
            {
                continue;
            }

            if (hostName is not null || name.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E))
            {
                return false;
            }

            hostName = Encoding.ASCII.GetString(name);
        }

        return true;
    }

    /// <summary>
    /// The ALPN extension (RFC 7301): a non-empty list of non-empty protocol names. Names are opaque bytes, so they are
    /// decoded as Latin-1, which maps every byte to one character and back.
    /// </summary>
    private static bool TryParseAlpn(ReadOnlySpan<byte> data, out IReadOnlyList<string> protocols)
    {
        protocols = [];
        if (!TryReadVector16(ref data, out var list) || !data.IsEmpty || list.IsEmpty)
        {
            return false;
        }

        var names = new List<string>(2);
        while (!list.IsEmpty)
        {
            if (!TryReadVector8(ref list, out var name) || name.IsEmpty)
            {
                return false;
            }

            names.Add(Encoding.Latin1.GetString(name));
        }

        protocols = names;
        return true;
    }

    private static bool TrySkip(ref ReadOnlySpan<byte> span, int count)
    {
        if (span.Length < count)
        {
            return false;
        }

        span = span[count..];
        return true;
    }

    private static bool TryReadUInt8(ref ReadOnlySpan<byte> span, out int value)
    {
        value = 0;
        if (span.IsEmpty)
        {
            return false;
        }

        value = span[0];
        span = span[1..];
        return true;
    }

    private static bool TryReadUInt16(ref ReadOnlySpan<byte> span, out int value)
    {
        value = 0;
        if (span.Length < 2)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(span);
        span = span[2..];
        return true;
    }

    /// <summary>Reads a vector with a one-byte length prefix.</summary>
    private static bool TryReadVector8(ref ReadOnlySpan<byte> span, out ReadOnlySpan<byte> vector)
    {
        vector = default;
        if (!TryReadUInt8(ref span, out var length) || span.Length < length)
        {
            return false;
        }

        vector = span[..length];
        span = span[length..];
        return true;
    }

    /// <summary>Reads a vector with a two-byte length prefix.</summary>
    private static bool TryReadVector16(ref ReadOnlySpan<byte> span, out ReadOnlySpan<byte> vector)
    {
        vector = default;
        if (!TryReadUInt16(ref span, out var length) || span.Length < length)
        {
            return false;
        }

        vector = span[..length];
        span = span[length..];
        return true;
    }
}
