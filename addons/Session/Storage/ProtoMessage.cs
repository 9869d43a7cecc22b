using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Addons.Session.Storage.Protos;

/// <summary>
/// The fields 1-8 that flow.proto's HttpRequest and HttpResponse share (same names and numbers), so that one reader
/// serves both; the generated classes implement it with the properties they already have.
/// </summary>
internal interface IProtoMessage
{
    string HttpVersion { get; }

    RepeatedField<HeaderField> Headers { get; }

    bool HasContent { get; }

    ByteString Content { get; }

    bool HasContentStoredApart { get; }

    long ContentStoredApart { get; }

    bool Stream { get; }

    HeaderList Trailers { get; }

    long TimestampStart { get; }

    bool HasTimestampEnd { get; }

    long TimestampEnd { get; }
}

/// <summary>An HTTP request, as stored.</summary>
internal sealed partial class HttpRequest : IProtoMessage;

/// <summary>An HTTP response, as stored.</summary>
internal sealed partial class HttpResponse : IProtoMessage;
