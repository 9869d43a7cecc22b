using System.Buffers;
using Addons.Abstractions.Flows;
using Google.Protobuf;
using P = Addons.Session.Storage.Protos;

namespace Addons.Session.Storage;

/// <summary>
/// Encodes flows into the session schema (<c>Protos/flow.proto</c>) and decodes them back.
/// <para>
/// Encoding writes the wire format in one pass (<see cref="ProtoWriter"/>: each nested message's length is filled in
/// when the message ends) into the caller's array, or into one the codec keeps and then the caller's
/// <see cref="IBufferWriter{T}"/>, so that encoding is allocation-free per flow once warm. Decoding goes through the
/// generated parser. One instance is not thread-safe (it reuses its buffer); decoding is static.
/// </para>
/// <para>
/// Bodies longer than <see cref="BodyThreshold"/> are left out of the record: it then carries only their length
/// (<c>content_stored_apart</c>), and the store keeps the bytes in its body table.
/// </para>
/// </summary>
internal sealed class FlowCodec
{
    private static readonly SearchValues<char> Latin1 = SearchValues.Create([.. Enumerable.Range(0, 256).Select(i => (char)i)]);

    // The buffer of Encode(Flow, IBufferWriter) is kept between flows unless a flow made it grow past this (a large
    // WebSocket exchange, say).
    private const int MaxKeptBuffer = 1024 * 1024;

    private byte[] _buffer = new byte[4096];

    /// <summary>Creates a codec that keeps every body inside the record.</summary>
    public FlowCodec()
        : this(int.MaxValue)
    {
    }

    /// <summary>Creates a codec that leaves bodies longer than <paramref name="bodyThreshold"/> bytes out of the record.</summary>
    public FlowCodec(int bodyThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bodyThreshold);
        BodyThreshold = bodyThreshold;
    }

    /// <summary>Bodies longer than this many bytes are stored apart rather than inside the record.</summary>
    public int BodyThreshold { get; }

    /// <summary>Whether the schema stores flows of this type (HTTP flows; the model has no other kind yet).</summary>
    public static bool CanEncode(Flow flow) => flow is HttpFlow;

    /// <summary>Whether a body of this length is stored apart.</summary>
    public bool IsStoredApart(byte[]? content) => content is not null && content.Length > BodyThreshold;

    /// <summary>
    /// Writes <paramref name="flow"/> to <paramref name="output"/> as one <c>addons.session.v1.Flow</c> message and
    /// returns which bodies it left out (the caller stores those).
    /// </summary>
    /// <exception cref="NotSupportedException">The flow is of a type this schema does not store (only HTTP flows exist today).</exception>
    public BodiesApart Encode(Flow flow, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var length = Encode(flow, ref _buffer, out var apart);
        _buffer.AsSpan(0, length).CopyTo(output.GetSpan(length));
        output.Advance(length);
        if (_buffer.Length > MaxKeptBuffer)
        {
            _buffer = new byte[4096];
        }

        return apart;
    }

    /// <summary>
    /// Writes <paramref name="flow"/> at the start of <paramref name="buffer"/> as one <c>addons.session.v1.Flow</c>
    /// message, replacing the array with a larger one when it is too small; returns the record's length, and in
    /// <paramref name="apart"/> which bodies it left out (the caller stores those).
    /// </summary>
    /// <exception cref="NotSupportedException">The flow is of a type this schema does not store (only HTTP flows exist today).</exception>
    public int Encode(Flow flow, ref byte[] buffer, out BodiesApart apart)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(buffer);
        if (flow is not HttpFlow http)
        {
            throw new NotSupportedException(
                $"Flow {flow.Id} is a {flow.Type} flow ({flow.GetType().Name}); session schema v{SessionSchema.Version} stores HTTP flows only.");
        }

        var writer = new ProtoWriter(buffer);
        WriteFlow(ref writer, http);
        buffer = writer.Buffer;
        apart = (IsStoredApart(http.Request.Content) ? BodiesApart.Request : BodiesApart.None)
            | (http.Response is { } response && IsStoredApart(response.Content) ? BodiesApart.Response : BodiesApart.None);
        return writer.Written.Length;
    }

    /// <summary>Encodes <paramref name="flow"/> into a new array (convenient for tests; the hot path uses <see cref="Encode(Flow, IBufferWriter{byte})"/>).</summary>
    public byte[] EncodeToArray(Flow flow)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Encode(flow, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a flow record. Bodies the record says are stored apart are taken from <paramref name="requestBody"/> and
    /// <paramref name="responseBody"/>; when one is not given, that body is left <c>null</c> if
    /// <paramref name="bodiesRequired"/> is false, otherwise the record is refused.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid flow record, or a body stored apart is missing or has the wrong length.</exception>
    /// <exception cref="NotSupportedException">The record holds a flow type this build does not know (written by a newer one).</exception>
    public static Flow Decode(ReadOnlySpan<byte> record, byte[]? requestBody = null, byte[]? responseBody = null, bool bodiesRequired = true)
    {
        P.Flow message;
        try
        {
            message = P.Flow.Parser.ParseFrom(record);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"The flow record is not a valid protobuf Flow message: {e.Message}", e);
        }

        try
        {
            return FromMessage(message, requestBody, responseBody, bodiesRequired);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"The flow record holds a value out of range: {e.Message}", e);
        }
    }

    private static HttpFlow FromMessage(P.Flow m, byte[]? requestBody, byte[]? responseBody, bool bodiesRequired)
    {
        if (m.KindCase != P.Flow.KindOneofCase.Http)
        {
            throw new NotSupportedException(m.KindCase == P.Flow.KindOneofCase.None
                ? $"Flow record {ReadGuid(m.Id)} holds a kind of flow this build does not know; a newer version wrote it."
                : $"Flow record {ReadGuid(m.Id)} is a {m.KindCase} flow, which this build cannot read.");
        }

        var h = m.Http;
        var flow = new HttpFlow
        {
            Id = ReadGuid(m.Id),
            Client = ReadClient(m.Client ?? new P.ClientConnection()),
            Server = ReadServer(m.Server ?? new P.ServerConnection()),
            Error = m.Error is { } e ? new FlowError(e.Message, UnixTicks.To(e.Timestamp)) : null,
            TimestampCreated = UnixTicks.To(m.TimestampCreated),
            Marked = m.Marked,
            Comment = m.Comment,
            Metadata = new Dictionary<string, string>(m.Metadata, StringComparer.Ordinal),
            IsReplay = (ReplayKind)m.IsReplay,
            Request = ReadRequest(h.Request ?? throw new InvalidDataException($"Flow record {ReadGuid(m.Id)} has no request."), requestBody, bodiesRequired),
            Response = h.Response is { } r ? ReadResponse(r, responseBody, bodiesRequired) : null,
            WebSocket = h.Websocket is { } w ? ReadWebSocket(w) : null,
        };
        return flow;
    }

    private static Guid ReadGuid(ByteString bytes) =>
        bytes.Length == 16 ? new Guid(bytes.Span, bigEndian: true) : throw new InvalidDataException($"An id is {bytes.Length} bytes long instead of 16.");

    private static DateTimeOffset? ReadTimestamp(bool has, long ticks) => has ? UnixTicks.To(ticks) : null;

    private static HostPort? ReadHostPort(P.HostPort? m) => m is null ? null : new HostPort(m.Host, m.Port);

    private static ClientConnection ReadClient(P.ClientConnection m) => ReadCommon(m, new ClientConnection
    {
        MitmCertificate = m.HasMitmCertificate ? m.MitmCertificate.ToByteArray() : null,
        ProxyMode = m.ProxyMode,
    });

    private static ServerConnection ReadServer(P.ServerConnection m) => ReadCommon(m, new ServerConnection
    {
        Address = ReadHostPort(m.Address),
        TimestampTcpSetup = ReadTimestamp(m.HasTimestampTcpSetup, m.TimestampTcpSetup),
        Via = m.HasVia ? m.Via : null,
    });

    /// <summary>Fields 1-16, the same in both connection messages.</summary>
    private static T ReadCommon<T>(P.IProtoConnection m, T connection)
        where T : Connection
    {
        connection.Id = ReadGuid(m.Id);
        connection.PeerName = ReadHostPort(m.PeerName);
        connection.SockName = ReadHostPort(m.SockName);
        connection.TransportProtocol = m.TransportProtocol;
        connection.Error = m.HasError ? m.Error : null;
        connection.TlsEstablished = m.TlsEstablished;
        connection.TlsVersion = m.HasTlsVersion ? m.TlsVersion : null;
        connection.Sni = m.HasSni ? m.Sni : null;
        connection.Alpn = m.HasAlpn ? m.Alpn : null;
        connection.AlpnOffers = [.. m.AlpnOffers];
        connection.Cipher = m.HasCipher ? m.Cipher : null;
        connection.CipherList = [.. m.CipherList];
        connection.CertificateChain = [.. m.CertificateChain.Select(c => c.ToByteArray())];
        connection.TimestampStart = ReadTimestamp(m.HasTimestampStart, m.TimestampStart);
        connection.TimestampTlsSetup = ReadTimestamp(m.HasTimestampTlsSetup, m.TimestampTlsSetup);
        connection.TimestampEnd = ReadTimestamp(m.HasTimestampEnd, m.TimestampEnd);
        return connection;
    }

    private static HttpRequest ReadRequest(P.HttpRequest m, byte[]? bodyApart, bool bodyRequired) => ReadCommon(m, bodyApart, bodyRequired, "request", new HttpRequest
    {
        Method = m.Method,
        Scheme = m.Scheme,
        Authority = m.Authority,
        Host = m.Host,
        Port = m.Port,
        Path = m.Path,
    });

    private static HttpResponse ReadResponse(P.HttpResponse m, byte[]? bodyApart, bool bodyRequired) => ReadCommon(m, bodyApart, bodyRequired, "response", new HttpResponse
    {
        StatusCode = m.StatusCode,
        Reason = m.Reason,
    });

    /// <summary>Fields 1-8, the same in both message kinds.</summary>
    private static T ReadCommon<T>(P.IProtoMessage m, byte[]? bodyApart, bool bodyRequired, string side, T message)
        where T : HttpMessage
    {
        message.HttpVersion = m.HttpVersion;
        message.Headers = ReadHeaders(m.Headers);
        message.Content = ReadContent(m.HasContent, m.Content, m.HasContentStoredApart, m.ContentStoredApart, bodyApart, bodyRequired, side);
        message.Stream = m.Stream;
        message.Trailers = m.Trailers is { } t ? ReadHeaders(t.Fields) : null;
        message.TimestampStart = UnixTicks.To(m.TimestampStart);
        message.TimestampEnd = ReadTimestamp(m.HasTimestampEnd, m.TimestampEnd);
        return message;
    }

    private static byte[]? ReadContent(bool hasContent, ByteString content, bool isApart, long apartLength, byte[]? bodyApart, bool bodyRequired, string side)
    {
        if (!isApart)
        {
            return hasContent ? content.ToByteArray() : null;
        }

        if (bodyApart is null)
        {
            return bodyRequired ? throw new InvalidDataException($"The {side} body ({apartLength} bytes) is stored apart but was not found.") : null;
        }

        return bodyApart.Length == apartLength
            ? bodyApart
            : throw new InvalidDataException($"The {side} body stored apart is {bodyApart.Length} bytes long; the flow record says {apartLength}.");
    }

    private static HttpHeaders ReadHeaders(Google.Protobuf.Collections.RepeatedField<P.HeaderField> fields)
    {
        var read = new HeaderField[fields.Count];
        for (var i = 0; i < read.Length; i++)
        {
            var f = fields[i];
            read[i] = f.Utf16
                ? new HeaderField(ReadUtf16(f.Name.Span), ReadUtf16(f.Value.Span))
                : new HeaderField(System.Text.Encoding.Latin1.GetString(f.Name.Span), System.Text.Encoding.Latin1.GetString(f.Value.Span));
        }

        return new HttpHeaders(read);
    }

    private static string ReadUtf16(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 2 != 0)
        {
            throw new InvalidDataException("A UTF-16 header field has an odd number of bytes.");
        }

        var chars = new char[bytes.Length / 2];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]);
        }

        return new string(chars);
    }

    private static WebSocketData ReadWebSocket(P.WebSocketData m) => new()
    {
        Messages = [.. m.Messages.Select(x => new WebSocketMessage
        {
            Type = (WebSocketMessageType)x.Type,
            FromClient = x.FromClient,
            Content = x.Content.ToByteArray(),
            Timestamp = UnixTicks.To(x.Timestamp),
            Dropped = x.Dropped,
            Injected = x.Injected,
        })],
        ClosedByClient = m.HasClosedByClient ? m.ClosedByClient : null,
        CloseCode = m.HasCloseCode ? m.CloseCode : null,
        CloseReason = m.HasCloseReason ? m.CloseReason : null,
        TimestampEnd = ReadTimestamp(m.HasTimestampEnd, m.TimestampEnd),
    };

    // SearchValues rather than ContainsAnyExceptInRange, which allocates for char (measured: 96 bytes a call on .NET 10).
    private static bool IsLatin1(string value) => !value.AsSpan().ContainsAnyExcept(Latin1);

    // ---- Writing, in field-number order (as the generated serializer writes). ----

    private static void OptionalString(ref ProtoWriter w, int fieldNumber, string? value)
    {
        if (value is not null)
        {
            w.WriteString(fieldNumber, value);
        }
    }

    private static void NonEmptyString(ref ProtoWriter w, int fieldNumber, string value)
    {
        if (value.Length != 0)
        {
            w.WriteString(fieldNumber, value);
        }
    }

    private static void OptionalTimestamp(ref ProtoWriter w, int fieldNumber, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            w.WriteInt64(fieldNumber, UnixTicks.From(v));
        }
    }

    private static void NonZeroInt64(ref ProtoWriter w, int fieldNumber, long value)
    {
        if (value != 0)
        {
            w.WriteInt64(fieldNumber, value);
        }
    }

    private static void NonZeroInt32(ref ProtoWriter w, int fieldNumber, int value)
    {
        if (value != 0)
        {
            w.WriteInt32(fieldNumber, value);
        }
    }

    private static void True(ref ProtoWriter w, int fieldNumber, bool value)
    {
        if (value)
        {
            w.WriteBool(fieldNumber, true);
        }
    }

    private static void RepeatedStrings(ref ProtoWriter w, int fieldNumber, IList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            w.WriteString(fieldNumber, values[i]);
        }
    }

    private void WriteFlow(ref ProtoWriter w, HttpFlow f)
    {
        // The record itself is not length-prefixed.
        w.WriteGuid(P.Flow.IdFieldNumber, f.Id);
        var client = w.BeginNested(P.Flow.ClientFieldNumber, 2);
        WriteConnection(ref w, f.Client);
        w.EndNested(client);
        var server = w.BeginNested(P.Flow.ServerFieldNumber, 2);
        WriteConnection(ref w, f.Server);
        w.EndNested(server);
        if (f.Error is { } error)
        {
            var nested = w.BeginNested(P.Flow.ErrorFieldNumber, 1);
            NonEmptyString(ref w, P.FlowError.MessageFieldNumber, error.Message);
            NonZeroInt64(ref w, P.FlowError.TimestampFieldNumber, UnixTicks.From(error.Timestamp));
            w.EndNested(nested);
        }

        NonZeroInt64(ref w, P.Flow.TimestampCreatedFieldNumber, UnixTicks.From(f.TimestampCreated));
        NonEmptyString(ref w, P.Flow.MarkedFieldNumber, f.Marked);
        NonEmptyString(ref w, P.Flow.CommentFieldNumber, f.Comment);
        if (f.Metadata is Dictionary<string, string> metadata)
        {
            foreach (var (key, value) in metadata)
            {
                WriteMapEntry(ref w, key, value);
            }
        }
        else
        {
            foreach (var (key, value) in f.Metadata)
            {
                WriteMapEntry(ref w, key, value);
            }
        }

        NonZeroInt32(ref w, P.Flow.IsReplayFieldNumber, (int)f.IsReplay);
        var http = w.BeginNested(P.Flow.HttpFieldNumber, 2);
        var request = w.BeginNested(P.HttpFlow.RequestFieldNumber, 2);
        WriteMessage(ref w, f.Request);
        w.EndNested(request);
        if (f.Response is { } response)
        {
            var nested = w.BeginNested(P.HttpFlow.ResponseFieldNumber, 2);
            WriteMessage(ref w, response);
            w.EndNested(nested);
        }

        if (f.WebSocket is { } ws)
        {
            var nested = w.BeginNested(P.HttpFlow.WebsocketFieldNumber, 2);
            WriteWebSocket(ref w, ws);
            w.EndNested(nested);
        }

        w.EndNested(http);
    }

    private static void WriteMapEntry(ref ProtoWriter w, string key, string value)
    {
        var nested = w.BeginNested(P.Flow.MetadataFieldNumber, 1);
        NonEmptyString(ref w, 1, key);
        NonEmptyString(ref w, 2, value);
        w.EndNested(nested);
    }

    private static void WriteHostPort(ref ProtoWriter w, int fieldNumber, HostPort? value)
    {
        if (value is { } h)
        {
            var nested = w.BeginNested(fieldNumber, 1);
            NonEmptyString(ref w, P.HostPort.HostFieldNumber, h.Host);
            NonZeroInt32(ref w, P.HostPort.PortFieldNumber, h.Port);
            w.EndNested(nested);
        }
    }

    private static void WriteConnection(ref ProtoWriter w, Connection c)
    {
        w.WriteGuid(P.ClientConnection.IdFieldNumber, c.Id);
        WriteHostPort(ref w, P.ClientConnection.PeerNameFieldNumber, c.PeerName);
        WriteHostPort(ref w, P.ClientConnection.SockNameFieldNumber, c.SockName);
        NonEmptyString(ref w, P.ClientConnection.TransportProtocolFieldNumber, c.TransportProtocol);
        OptionalString(ref w, P.ClientConnection.ErrorFieldNumber, c.Error);
        True(ref w, P.ClientConnection.TlsEstablishedFieldNumber, c.TlsEstablished);
        OptionalString(ref w, P.ClientConnection.TlsVersionFieldNumber, c.TlsVersion);
        OptionalString(ref w, P.ClientConnection.SniFieldNumber, c.Sni);
        OptionalString(ref w, P.ClientConnection.AlpnFieldNumber, c.Alpn);
        RepeatedStrings(ref w, P.ClientConnection.AlpnOffersFieldNumber, c.AlpnOffers);
        OptionalString(ref w, P.ClientConnection.CipherFieldNumber, c.Cipher);
        RepeatedStrings(ref w, P.ClientConnection.CipherListFieldNumber, c.CipherList);
        for (var i = 0; i < c.CertificateChain.Count; i++)
        {
            w.WriteBytes(P.ClientConnection.CertificateChainFieldNumber, c.CertificateChain[i]);
        }

        OptionalTimestamp(ref w, P.ClientConnection.TimestampStartFieldNumber, c.TimestampStart);
        OptionalTimestamp(ref w, P.ClientConnection.TimestampTlsSetupFieldNumber, c.TimestampTlsSetup);
        OptionalTimestamp(ref w, P.ClientConnection.TimestampEndFieldNumber, c.TimestampEnd);
        switch (c)
        {
            case ClientConnection client:
                if (client.MitmCertificate is { } mitm)
                {
                    w.WriteBytes(P.ClientConnection.MitmCertificateFieldNumber, mitm);
                }

                NonEmptyString(ref w, P.ClientConnection.ProxyModeFieldNumber, client.ProxyMode);
                break;
            case ServerConnection server:
                WriteHostPort(ref w, P.ServerConnection.AddressFieldNumber, server.Address);
                OptionalTimestamp(ref w, P.ServerConnection.TimestampTcpSetupFieldNumber, server.TimestampTcpSetup);
                OptionalString(ref w, P.ServerConnection.ViaFieldNumber, server.Via);
                break;
        }
    }

    private void WriteMessage(ref ProtoWriter w, HttpMessage m)
    {
        NonEmptyString(ref w, P.HttpRequest.HttpVersionFieldNumber, m.HttpVersion);
        WriteHeaders(ref w, P.HttpRequest.HeadersFieldNumber, m.Headers);
        if (IsStoredApart(m.Content))
        {
            w.WriteInt64(P.HttpRequest.ContentStoredApartFieldNumber, m.Content!.Length);
        }
        else if (m.Content is { } content)
        {
            w.WriteBytes(P.HttpRequest.ContentFieldNumber, content);
        }

        True(ref w, P.HttpRequest.StreamFieldNumber, m.Stream);
        if (m.Trailers is { } trailers)
        {
            var nested = w.BeginNested(P.HttpRequest.TrailersFieldNumber, 2);
            WriteHeaders(ref w, P.HeaderList.FieldsFieldNumber, trailers);
            w.EndNested(nested);
        }

        NonZeroInt64(ref w, P.HttpRequest.TimestampStartFieldNumber, UnixTicks.From(m.TimestampStart));
        OptionalTimestamp(ref w, P.HttpRequest.TimestampEndFieldNumber, m.TimestampEnd);
        switch (m)
        {
            case HttpRequest request:
                NonEmptyString(ref w, P.HttpRequest.MethodFieldNumber, request.Method);
                NonEmptyString(ref w, P.HttpRequest.SchemeFieldNumber, request.Scheme);
                NonEmptyString(ref w, P.HttpRequest.AuthorityFieldNumber, request.Authority);
                NonEmptyString(ref w, P.HttpRequest.HostFieldNumber, request.Host);
                NonZeroInt32(ref w, P.HttpRequest.PortFieldNumber, request.Port);
                NonEmptyString(ref w, P.HttpRequest.PathFieldNumber, request.Path);
                break;
            case HttpResponse response:
                NonZeroInt32(ref w, P.HttpResponse.StatusCodeFieldNumber, response.StatusCode);
                NonEmptyString(ref w, P.HttpResponse.ReasonFieldNumber, response.Reason);
                break;
        }
    }

    private static void WriteHeaders(ref ProtoWriter w, int fieldNumber, HttpHeaders headers)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            var nested = w.BeginNested(fieldNumber, 1);
            var (name, value) = (headers[i].Name ?? "", headers[i].Value ?? "");
            if (IsLatin1(name) && IsLatin1(value))
            {
                if (name.Length != 0)
                {
                    w.WriteLatin1(P.HeaderField.NameFieldNumber, name);
                }

                if (value.Length != 0)
                {
                    w.WriteLatin1(P.HeaderField.ValueFieldNumber, value);
                }
            }
            else
            {
                if (name.Length != 0)
                {
                    w.WriteUtf16(P.HeaderField.NameFieldNumber, name);
                }

                if (value.Length != 0)
                {
                    w.WriteUtf16(P.HeaderField.ValueFieldNumber, value);
                }

                w.WriteBool(P.HeaderField.Utf16FieldNumber, true);
            }

            w.EndNested(nested);
        }
    }

    private static void WriteWebSocket(ref ProtoWriter w, WebSocketData ws)
    {
        for (var i = 0; i < ws.Messages.Count; i++)
        {
            var m = ws.Messages[i];
            var nested = w.BeginNested(P.WebSocketData.MessagesFieldNumber, 2);
            NonZeroInt32(ref w, P.WebSocketMessage.TypeFieldNumber, (int)m.Type);
            True(ref w, P.WebSocketMessage.FromClientFieldNumber, m.FromClient);
            if (m.Content.Length != 0)
            {
                w.WriteBytes(P.WebSocketMessage.ContentFieldNumber, m.Content);
            }

            NonZeroInt64(ref w, P.WebSocketMessage.TimestampFieldNumber, UnixTicks.From(m.Timestamp));
            True(ref w, P.WebSocketMessage.DroppedFieldNumber, m.Dropped);
            True(ref w, P.WebSocketMessage.InjectedFieldNumber, m.Injected);
            w.EndNested(nested);
        }

        if (ws.ClosedByClient is { } closedByClient)
        {
            w.WriteBool(P.WebSocketData.ClosedByClientFieldNumber, closedByClient);
        }

        if (ws.CloseCode is { } code)
        {
            w.WriteInt32(P.WebSocketData.CloseCodeFieldNumber, code);
        }

        OptionalString(ref w, P.WebSocketData.CloseReasonFieldNumber, ws.CloseReason);
        OptionalTimestamp(ref w, P.WebSocketData.TimestampEndFieldNumber, ws.TimestampEnd);
    }
}
