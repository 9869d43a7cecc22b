using System.Buffers;
using Addons.Abstractions.Flows;

namespace Addons.Session.Storage;

/// <summary>
/// A flow as the session file stores it: its protobuf record, its order and filter columns, and copies of the bodies
/// stored apart. Captured on the thread where the flow holds still, it is what gets written however the flow changes
/// later; the store only binds it. Reusable: <see cref="Capture"/> overwrites the previous flow and keeps the record
/// buffer, so that a pool of these makes queueing allocation-free once the buffers have grown to the usual size.
/// </summary>
internal sealed class EncodedFlow : IBufferWriter<byte>
{
    private byte[] _record = [];
    private int _length;

    public Guid Id { get; private set; }

    /// <summary>Creation time in <see cref="UnixTicks"/>.</summary>
    public long Timestamp { get; private set; }

    public string Method { get; private set; } = "";

    public string Host { get; private set; } = "";

    public string Url { get; private set; } = "";

    public int? Status { get; private set; }

    public long? RequestSize { get; private set; }

    public long? ResponseSize { get; private set; }

    public BodiesApart BodiesApart { get; private set; }

    /// <summary>The flow's summary as captured: the columns below come from it, and the View keeps it once the flow is cold.</summary>
    public FlowSummary? Summary { get; private set; }

    /// <summary>The marker, empty when unmarked.</summary>
    public string Marker => Summary?.Marked ?? "";

    /// <summary>Whether the flow has an error.</summary>
    public bool HasError => Summary?.HasError == true;

    /// <summary>The URL as the client saw it, or <c>null</c> when it is <see cref="Url"/>.</summary>
    public string? PrettyUrl => Summary is { } summary ? PrettyUrlUnlessUrl(summary) : null;

    /// <summary>What the pretty_url column holds for a summary: its pretty URL, or null when that is its URL.</summary>
    public static string? PrettyUrlUnlessUrl(FlowSummary summary) => summary.PrettyUrl == summary.Url ? null : summary.PrettyUrl;

    /// <summary>The host the Host header names, or <c>null</c> without one.</summary>
    public string? PrettyHost => Summary?.PrettyHost;

    /// <summary>The request body when it is stored apart (a copy), otherwise <c>null</c>.</summary>
    public byte[]? RequestBody { get; private set; }

    /// <summary>The response body when it is stored apart (a copy), otherwise <c>null</c>.</summary>
    public byte[]? ResponseBody { get; private set; }

    /// <summary>The encoded <c>addons.session.v1.Flow</c> message.</summary>
    public ReadOnlySpan<byte> Record => _record.AsSpan(0, _length);

    /// <summary>The record buffer's size: what this instance keeps allocated between flows.</summary>
    public int Capacity => _record.Length;

    /// <summary>
    /// Encodes <paramref name="flow"/> into this instance with <paramref name="codec"/>. Strings are immutable, so
    /// the columns keep references; bodies stored apart are copied unless <paramref name="copyBodies"/> is false
    /// (for a caller that writes them before the flow can change).
    /// </summary>
    public void Capture(HttpFlow flow, FlowCodec codec, bool copyBodies)
    {
        _length = 0;
        var apart = codec.Encode(flow, this);
        Id = flow.Id;
        Timestamp = UnixTicks.From(flow.TimestampCreated);
        Summary = FlowSummary.Of(flow);
        Method = flow.Request.Method;
        Host = flow.Request.Host;
        Url = Summary.Url;
        Status = flow.Response?.StatusCode;
        RequestSize = flow.Request.Content?.Length;
        ResponseSize = flow.Response?.Content?.Length;
        BodiesApart = apart;
        RequestBody = (apart & BodiesApart.Request) == 0 ? null : copyBodies ? flow.Request.Content!.ToArray() : flow.Request.Content;
        ResponseBody = (apart & BodiesApart.Response) == 0 ? null : copyBodies ? flow.Response!.Content!.ToArray() : flow.Response!.Content;
    }

    /// <summary>Drops the references to the last flow's strings and bodies (the record buffer stays for reuse).</summary>
    public void Clear()
    {
        _length = 0;
        Method = Host = Url = "";
        Summary = null;
        RequestBody = ResponseBody = null;
    }

    void IBufferWriter<byte>.Advance(int count) => _length += count;

    Memory<byte> IBufferWriter<byte>.GetMemory(int sizeHint) => Grow(sizeHint).AsMemory(_length);

    Span<byte> IBufferWriter<byte>.GetSpan(int sizeHint) => Grow(sizeHint).AsSpan(_length);

    private byte[] Grow(int sizeHint)
    {
        var needed = _length + Math.Max(sizeHint, 1);
        if (needed > _record.Length)
        {
            // Rounded up to 1 KiB, so that a buffer reused for the next flow of about the same size rarely grows again.
            var grown = new byte[(needed + 1023) & ~1023];
            _record.AsSpan(0, _length).CopyTo(grown);
            _record = grown;
        }

        return _record;
    }
}
