using System.Buffers;
using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http2;

/// <summary>
/// gRPC messages stream both ways (a call may wait for answers before it sends more), so their bodies are streamed by
/// default; they are also kept, up to <see cref="MaxKept"/> bytes, so that the flow still shows the messages once
/// they have passed.
/// </summary>
internal static class GrpcBodies
{
    /// <summary>The most of a streamed gRPC body kept in its flow; a longer one is passed on and not kept.</summary>
    public const int MaxKept = 16 << 20;

    public static bool IsGrpc(HttpHeaders headers) =>
        headers["content-type"]?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>A copy of a streamed gRPC body as it passes, or null for other bodies (not kept).</summary>
    public static Copy? CopyIfGrpc(HttpHeaders headers) => IsGrpc(headers) ? new Copy() : null;

    /// <summary>The bytes of a body as they pass, until there are more than <see cref="MaxKept"/>.</summary>
    internal sealed class Copy
    {
        private ArrayBufferWriter<byte>? _bytes = new();

        public void Add(in ReadOnlySequence<byte> data)
        {
            if (_bytes is null)
            {
                return;
            }

            if (_bytes.WrittenCount + data.Length > MaxKept)
            {
                _bytes = null;
                return;
            }

            foreach (var segment in data)
            {
                _bytes.Write(segment.Span);
            }
        }

        /// <summary>The whole body, or null when it was too long to keep.</summary>
        public byte[]? ToArray() => _bytes?.WrittenSpan.ToArray();
    }
}
