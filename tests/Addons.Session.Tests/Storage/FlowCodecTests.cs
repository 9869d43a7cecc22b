using System.Buffers;
using System.Text;
using Addons.Abstractions.Flows;
using Addons.Session.Storage;
using Google.Protobuf;
using P = Addons.Session.Storage.Protos;

namespace Addons.Session.Tests.Storage;

public sealed class FlowCodecTests
{
    [Test]
    public void The_sample_sets_every_property_of_the_model()
    {
        ModelAssert.EveryPropertySet([SampleFlows.Full()], "flow");
    }

    [Test]
    public void Every_property_survives_encode_and_decode()
    {
        var flow = SampleFlows.Full();

        var decoded = FlowCodec.Decode(new FlowCodec().EncodeToArray(flow));

        ModelAssert.AllPropertiesEqual(flow, decoded);
        Assert.That(decoded.Live, Is.False, "a restored flow is not live");
    }

    [Test]
    public void The_encoding_is_what_the_generated_serializer_writes_with_no_unknown_fields()
    {
        var bytes = new FlowCodec().EncodeToArray(SampleFlows.Full());

        var message = P.Flow.Parser.ParseFrom(bytes);

        Assert.That(message.ToByteArray(), Is.EqualTo(bytes).AsCollection);
        Assert.That(message.CalculateSize(), Is.EqualTo(bytes.Length));
    }

    [Test]
    public void Nested_lengths_on_either_side_of_each_varint_size_are_written_as_the_generated_serializer_writes_them()
    {
        // One pass reserves a guess of one or two bytes for each nested message's length and moves the content when
        // the length needs another size: header fields, connections, request, response and the flow's HTTP part cross
        // 128 and 16,384 bytes here, and strings cross the short-string limit with one-, two-, three- and four-byte
        // characters (and a lone surrogate, which UTF-8 writes as U+FFFD).
        var codec = new FlowCodec();
        foreach (var size in new[] { 0, 1, 40, 42, 43, 44, 60, 100, 126, 127, 128, 129, 200, 16_000, 16_383, 16_384, 16_385, 70_000, 2_100_000 })
        {
            foreach (var text in new[] { new string('a', size), new string('é', Math.Min(size, 5000)), new string('€', Math.Min(size, 5000)), string.Concat(Enumerable.Repeat("😀", Math.Min(size, 2000))), "x\uD800" + new string('y', Math.Min(size, 5000)) })
            {
                var flow = SampleFlows.Simple(size, responseBytes: size);
                flow.Request.Headers = new HttpHeaders(("X-Long", new string('v', Math.Min(size, 300))), ("X-Text", text));
                flow.Client.Sni = text;
                flow.Server.Sni = size < 128 ? null : text;
                flow.Comment = text;
                flow.Request.Path = "/" + text;

                var bytes = codec.EncodeToArray(flow);

                var message = P.Flow.Parser.ParseFrom(bytes);
                Assert.That(message.ToByteArray(), Is.EqualTo(bytes).AsCollection, $"size {size}, text of {text.Length} chars");
                Assert.That(message.Comment, Is.EqualTo(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text))));
                ModelAssert.AllPropertiesEqual(flow.Request.Headers, ((HttpFlow)FlowCodec.Decode(bytes)).Request.Headers, "headers");
            }
        }
    }

    [Test]
    public void Header_bytes_are_stored_as_they_were_on_the_wire()
    {
        var flow = SampleFlows.Simple(1);
        flow.Request.Headers = new HttpHeaders(("X-Raw", "\u00FF\u00FE"), ("x-raw", "2"), ("X-RAW", "3"));

        var message = P.Flow.Parser.ParseFrom(new FlowCodec().EncodeToArray(flow));

        var stored = message.Http.Request.Headers.Select(h => (h.Name.ToByteArray(), h.Value.ToByteArray())).ToList();
        Assert.That(stored[0].Item2, Is.EqualTo(new byte[] { 0xFF, 0xFE }).AsCollection, "one byte per character, not UTF-8");
        Assert.That(stored.Select(h => Encoding.Latin1.GetString(h.Item1)), Is.EqualTo(new[] { "X-Raw", "x-raw", "X-RAW" }), "order, case and duplicates");
    }

    [Test]
    public void An_empty_body_a_missing_body_and_missing_trailers_stay_apart()
    {
        var flow = SampleFlows.Simple(1);
        flow.Request.Content = [];
        flow.Request.Trailers = new HttpHeaders();
        flow.Response!.Content = null;
        flow.Response.Trailers = null;

        var decoded = (HttpFlow)FlowCodec.Decode(new FlowCodec().EncodeToArray(flow));

        Assert.That(decoded.Request.Content, Is.Not.Null.And.Empty);
        Assert.That(decoded.Request.Trailers, Is.Not.Null.And.Empty);
        Assert.That(decoded.Response!.Content, Is.Null);
        Assert.That(decoded.Response.Trailers, Is.Null);
    }

    [Test]
    public void A_flow_without_response_or_error_decodes_without_them()
    {
        var flow = SampleFlows.Simple(1);
        flow.Response = null;

        var decoded = (HttpFlow)FlowCodec.Decode(new FlowCodec().EncodeToArray(flow));

        ModelAssert.AllPropertiesEqual(flow, decoded);
        Assert.That(decoded.Response, Is.Null);
        Assert.That(decoded.Error, Is.Null);
        Assert.That(decoded.WebSocket, Is.Null);
    }

    [Test]
    public void Bodies_above_the_threshold_are_left_out_of_the_record_and_put_back_from_the_body_table()
    {
        var flow = SampleFlows.Simple(1, responseBytes: 5000);
        var codec = new FlowCodec(bodyThreshold: 4096);
        var buffer = new ArrayBufferWriter<byte>();

        var apart = codec.Encode(flow, buffer);

        Assert.That(apart, Is.EqualTo(BodiesApart.Response));
        Assert.That(buffer.WrittenCount, Is.LessThan(1000), "the record carries the body's length, not the body");
        var withBody = (HttpFlow)FlowCodec.Decode(buffer.WrittenSpan, responseBody: flow.Response!.Content);
        Assert.That(withBody.Response!.Content, Is.EqualTo(flow.Response.Content).AsCollection);
        var lazy = (HttpFlow)FlowCodec.Decode(buffer.WrittenSpan, bodiesRequired: false);
        Assert.That(lazy.Response!.Content, Is.Null);
        var missing = Assert.Throws<InvalidDataException>(() => FlowCodec.Decode(buffer.WrittenSpan.ToArray()));
        Assert.That(missing!.Message, Does.Contain("response body (5000 bytes) is stored apart"));
        Assert.Throws<InvalidDataException>(() => FlowCodec.Decode(buffer.WrittenSpan.ToArray(), responseBody: new byte[10]));
    }

    [Test]
    public void A_flow_type_the_schema_does_not_store_is_refused_by_name()
    {
        var flow = new TcpLikeFlow();

        var error = Assert.Throws<NotSupportedException>(() => new FlowCodec().EncodeToArray(flow));

        Assert.That(error!.Message, Does.Contain(flow.Id.ToString()).And.Contain("Tcp flow").And.Contain("HTTP flows only"));
    }

    [Test]
    public void A_record_of_a_flow_kind_from_a_newer_version_is_refused_rather_than_read_without_its_content()
    {
        // What a later version might write for a TCP flow: the common fields and kind field 17, unknown here.
        var output = new MemoryStream();
        var stream = new CodedOutputStream(output);
        stream.WriteTag(P.Flow.IdFieldNumber, WireFormat.WireType.LengthDelimited);
        stream.WriteBytes(ByteString.CopyFrom(Guid.NewGuid().ToByteArray(bigEndian: true)));
        stream.WriteTag(17, WireFormat.WireType.LengthDelimited);
        stream.WriteBytes(ByteString.CopyFromUtf8("tcp messages"));
        stream.Flush();

        var error = Assert.Throws<NotSupportedException>(() => FlowCodec.Decode(output.ToArray()));

        Assert.That(error!.Message, Does.Contain("a newer version wrote it"));
    }

    [Test]
    public void Bytes_that_are_not_a_flow_record_give_a_clear_error()
    {
        var error = Assert.Throws<InvalidDataException>(() => FlowCodec.Decode(new byte[] { 0x0A, 0xFF, 0xFF, 0xFF }));

        Assert.That(error!.Message, Does.StartWith("The flow record is not a valid protobuf Flow message"));
    }

    [Test]
    public void Encoding_into_a_reused_buffer_allocates_nothing_per_flow()
    {
        var flows = Enumerable.Range(0, 100).Select(i => SampleFlows.Simple(i, responseBytes: 1000)).Append(SampleFlows.Full()).ToArray();
        var codec = new FlowCodec();
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        foreach (var flow in flows)
        {
            buffer.ResetWrittenCount();
            codec.Encode(flow, buffer); // warm up: JIT, size table growth
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 10; round++)
        {
            foreach (var flow in flows)
            {
                buffer.ResetWrittenCount();
                codec.Encode(flow, buffer);
            }
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void The_record_version_constant_matches_the_proto()
    {
        Assert.That(SessionSchema.RecordVersion, Is.EqualTo((int)P.SchemaVersion.Current));
        Assert.That(SessionSchema.Migrations[^1].Version, Is.EqualTo(SessionSchema.Version));
        Assert.That(P.FlowReflection.Descriptor.Package, Is.EqualTo($"addons.session.v{SessionSchema.RecordVersion}"));
    }

    private sealed class TcpLikeFlow : Flow
    {
        public override FlowType Type => FlowType.Tcp;

        public override Flow Copy() => new TcpLikeFlow();
    }
}
