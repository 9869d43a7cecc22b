using System.Buffers;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// A parsed GOAWAY frame (RFC 9113 section 6.8). <see cref="DebugData"/> is a slice of the read buffer: copy it before
/// the buffer is advanced past the frame.
/// </summary>
internal readonly record struct Http2GoAway(int LastStreamId, Http2ErrorCode ErrorCode, ReadOnlySequence<byte> DebugData);
