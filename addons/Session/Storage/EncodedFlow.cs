using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Session.Storage;

/// <summary>
/// A flow as the session file stores it: its protobuf record, its order and filter columns (the text ones also in
/// UTF-8, as SQLite stores them, so that the writer's thread binds bytes rather than converting), and copies of the
/// bodies stored apart. Captured on the thread where the flow holds still, it is what gets written however the flow
/// changes later; the store only binds it. Reusable: <see cref="Capture"/> overwrites the previous flow and keeps its
/// buffers, so that a pool of these makes queueing allocation-free once the buffers have grown to the usual size.
/// </summary>
internal sealed class EncodedFlow
{
    private const int TextColumnCount = 6;

    private byte[] _record = new byte[4096];
    private int _length;
    private byte[] _text = new byte[256];

    // Where each text column's UTF-8 bytes start in _text, and how many there are (-1: NULL).
    private readonly (int Start, int Length)[] _textRanges = new (int, int)[TextColumnCount];

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

    /// <summary><see cref="Record"/> as memory, for writers that take it so (PostgreSQL's COPY); valid until the next capture.</summary>
    public ReadOnlyMemory<byte> RecordMemory => _record.AsMemory(0, _length);

    /// <summary>The size of the buffers this instance keeps allocated between flows.</summary>
    public int Capacity => _record.Length + _text.Length;

    /// <summary>A text column's value in UTF-8; <c>false</c> when it is NULL.</summary>
    public bool TryGetUtf8(TextColumn column, out ReadOnlySpan<byte> utf8)
    {
        var (start, length) = _textRanges[(int)column];
        utf8 = length < 0 ? default : _text.AsSpan(start, length);
        return length >= 0;
    }

    /// <summary>
    /// Encodes <paramref name="flow"/> into this instance with <paramref name="codec"/>. Strings are immutable, so
    /// the columns keep references; bodies stored apart are copied unless <paramref name="copyBodies"/> is false
    /// (for a caller that writes them before the flow can change).
    /// </summary>
    public void Capture(HttpFlow flow, FlowCodec codec, bool copyBodies)
    {
        _length = codec.Encode(flow, ref _record, out var apart);
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
        var written = 0;
        CaptureText(TextColumn.Method, Method, ref written);
        CaptureText(TextColumn.Host, Host, ref written);
        CaptureText(TextColumn.Url, Url, ref written);
        CaptureText(TextColumn.Marker, Marker, ref written);
        CaptureText(TextColumn.PrettyUrl, PrettyUrl, ref written);
        CaptureText(TextColumn.PrettyHost, PrettyHost, ref written);
    }

    /// <summary>Drops the references to the last flow's strings and bodies (the record buffer stays for reuse).</summary>
    public void Clear()
    {
        _length = 0;
        Method = Host = Url = "";
        Summary = null;
        RequestBody = ResponseBody = null;
    }

    private void CaptureText(TextColumn column, string? value, ref int written)
    {
        if (value is null)
        {
            _textRanges[(int)column] = (0, -1);
            return;
        }

        var most = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_text.Length - written < most)
        {
            var grown = new byte[Math.Max(_text.Length * 2, written + most)];
            _text.AsSpan(0, written).CopyTo(grown);
            _text = grown;
        }

        var length = Encoding.UTF8.GetBytes(value, _text.AsSpan(written));
        _textRanges[(int)column] = (written, length);
        written += length;
    }
}
