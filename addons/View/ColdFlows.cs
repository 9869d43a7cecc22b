using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.View;

/// <summary>
/// The summaries of the view's cold flows, by slot, without an object per flow: a fixed-size row per slot in chunks of
/// rows (id, time, size, status, type, flags, archive, and numbers for the texts that repeat), and the texts that do
/// not repeat (URLs) in UTF-8 in a <see cref="ByteArena"/>. A <see cref="FlowSummary"/> is made when asked for, equal
/// to the one kept. Slots without a cold flow (hot ones, holes) cost their row.
/// </summary>
/// <remarks>
/// Written under the view's lock only. A <see cref="FilterRun"/> reads it off the lock with <see cref="TryGet"/>,
/// which gives null, never an exception, for a row being written meanwhile (the view decides those again).
/// </remarks>
internal sealed class ColdFlows
{
    private const int RowsPerChunk = 1 << 14;
    private const int ChunkShift = 14;

    private const byte Present = 1;
    private const byte HasError = 2;
    private const byte PrettyUrlIsUrl = 4;
    private const byte NoPrettyHost = 8;
    private const byte PrettyHostIsHost = 16;
    private const byte NoStatus = 32;

    // The status does not fit the row's 16 bits: it follows the texts in the record, 32 bits.
    private const byte WideStatus = 64;

    // A text is not valid UTF-16 (a lone surrogate), so the record keeps its texts as UTF-16 to give them back unchanged.
    private const byte Utf16Texts = 128;

    private readonly NameTable _names = new();
    private ByteArena _texts = new();
    private long _textBytes;
    private Row[]?[] _chunks = [];
    private byte[] _scratch = new byte[1024];

    /// <summary>The number of slots holding a cold flow.</summary>
    public int Count { get; private set; }

    /// <summary>The bytes this store holds: rows, texts (with the garbage of replaced ones) and names, for measuring.</summary>
    public long Bytes => (long)_chunks.Count(c => c is not null) * RowsPerChunk * Unsafe.SizeOf<Row>() + _texts.Capacity;

    /// <summary>Whether a slot holds a cold flow.</summary>
    public bool Contains(int slot) => RowOrNull(slot) is { } chunk && (chunk[slot & (RowsPerChunk - 1)].Flags & Present) != 0;

    /// <summary>Keeps <paramref name="summary"/> in a slot (replacing what it held) with the index of its archive.</summary>
    public void Set(int slot, FlowSummary summary, byte archive)
    {
        ArgumentNullException.ThrowIfNull(summary);
        Remove(slot);
        ref var row = ref RowAt(slot, create: true);
        var flags = Present;
        flags |= summary.HasError ? HasError : (byte)0;
        flags |= ReferenceEquals(summary.PrettyUrl, summary.Url) || summary.PrettyUrl == summary.Url ? PrettyUrlIsUrl : (byte)0;
        flags |= summary.PrettyHost is null ? NoPrettyHost : summary.PrettyHost == summary.Host ? PrettyHostIsHost : (byte)0;
        var status = summary.StatusCode;
        flags |= status is null ? NoStatus : status is < short.MinValue or > short.MaxValue ? WideStatus : (byte)0;

        var method = _names.Intern(summary.Method);
        var marked = _names.Intern(summary.Marked);
        var host = _names.Intern(summary.Host);
        var prettyHostApart = (flags & (NoPrettyHost | PrettyHostIsHost)) == 0;
        var prettyHost = prettyHostApart ? _names.Intern(summary.PrettyHost!) : NameTable.None;

        // The record: the URL, then each text the row does not name, then a wide status.
        var utf16 = !IsValidUtf16(summary.Url) || ((flags & PrettyUrlIsUrl) == 0 && !IsValidUtf16(summary.PrettyUrl)) ||
            (method == NameTable.None && !IsValidUtf16(summary.Method)) || (marked == NameTable.None && !IsValidUtf16(summary.Marked)) ||
            (host == NameTable.None && !IsValidUtf16(summary.Host)) || (prettyHost == NameTable.None && prettyHostApart && !IsValidUtf16(summary.PrettyHost!));
        flags |= utf16 ? Utf16Texts : (byte)0;
        var writer = new RecordWriter(this, utf16);
        writer.Text(summary.Url);
        if ((flags & PrettyUrlIsUrl) == 0)
        {
            writer.Text(summary.PrettyUrl);
        }

        if (method == NameTable.None)
        {
            writer.Text(summary.Method);
        }

        if (marked == NameTable.None)
        {
            writer.Text(summary.Marked);
        }

        if (host == NameTable.None)
        {
            writer.Text(summary.Host);
        }

        if (prettyHost == NameTable.None && prettyHostApart)
        {
            writer.Text(summary.PrettyHost!);
        }

        if ((flags & WideStatus) != 0)
        {
            writer.Int32(status!.Value);
        }

        var record = writer.Written;
        record.CopyTo(_texts.Append(record.Length, out var position));
        _textBytes += record.Length;

        row = new Row
        {
            Id = summary.Id,
            UtcTicks = summary.TimestampCreated.UtcTicks,
            OffsetMinutes = checked((short)summary.TimestampCreated.TotalOffsetMinutes),
            Size = summary.Size,
            Text = position,
            Status = (flags & (NoStatus | WideStatus)) == 0 ? (short)status!.Value : (short)0,
            Method = method,
            Marked = marked,
            Host = host,
            PrettyHost = prettyHost,
            Type = checked((byte)summary.Type),
            Flags = flags,
            Archive = archive,
        };
        Count++;
    }

    /// <summary>Empties a slot (its texts stay as garbage until <see cref="Compact"/>); nothing when it holds no cold flow.</summary>
    public void Remove(int slot)
    {
        if (!Contains(slot))
        {
            return;
        }

        ref var row = ref RowAt(slot, create: false);
        _textBytes -= RecordLength(row);
        row.Flags = 0;
        Count--;
    }

    /// <summary>The id of a slot's cold flow.</summary>
    public Guid IdOf(int slot) => Live(slot).Id;

    /// <summary>The index of the archive that keeps a slot's cold flow.</summary>
    public byte ArchiveOf(int slot) => Live(slot).Archive;

    /// <summary>Whether a slot's cold flow is marked, without making its summary.</summary>
    public bool IsMarked(int slot)
    {
        ref readonly var row = ref Live(slot);
        return row.Marked != NameTable.None ? _names[row.Marked].Length > 0 : Read(row).Marked.Length > 0;
    }

    /// <summary>The time (UTC ticks) a slot's cold flow was created, without making its summary.</summary>
    public long UtcTicksOf(int slot) => Live(slot).UtcTicks;

    /// <summary>The size of a slot's cold flow, without making its summary.</summary>
    public long SizeOf(int slot) => Live(slot).Size;

    /// <summary>
    /// Writes a slot's URL as <see cref="OrderKey.WriteText"/> does: the number of characters written, or minus the
    /// room needed.
    /// </summary>
    public int WriteUrl(int slot, Span<char> destination)
    {
        ref readonly var row = ref Live(slot);
        var record = _texts.From(row.Text);
        var length = ReadLength(ref record);
        var bytes = record[..length];
        if ((row.Flags & Utf16Texts) != 0)
        {
            var chars = length / 2;
            return chars > destination.Length ? -chars : CopyUtf16(bytes, destination);
        }

        // A URL is ASCII but for a few: as many characters as bytes is the usual answer, and fits when it is.
        var needed = length <= destination.Length ? -1 : Encoding.UTF8.GetCharCount(bytes);
        return needed > destination.Length ? -needed : Encoding.UTF8.GetChars(bytes, destination);
    }

    /// <summary>The summary of a slot's cold flow, equal to the one kept.</summary>
    public FlowSummary Get(int slot) => Read(Live(slot));

    /// <summary>
    /// The summary of a slot's cold flow, or null when it holds none; read off the lock, null also for a row being
    /// written meanwhile.
    /// </summary>
    public FlowSummary? TryGet(int slot)
    {
        try
        {
            return RowOrNull(slot) is { } chunk && chunk[slot & (RowsPerChunk - 1)] is var row && (row.Flags & Present) != 0 ? Read(row) : null;
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            // A row and its record written while they were read: they may not agree.
            return null;
        }
    }

    /// <summary>
    /// Moves each slot's cold flow to <c>map[slot]</c> (lower or the same, in the same order; -1 for slots that go),
    /// leaving <paramref name="count"/> slots, and rewrites the texts when more than half of them are garbage.
    /// </summary>
    public void Compact(int[] map, int count)
    {
        for (var slot = 0; slot < map.Length; slot++)
        {
            if (!Contains(slot))
            {
                continue;
            }

            var target = map[slot];
            if (target < 0)
            {
                Remove(slot);
            }
            else if (target != slot)
            {
                RowAt(target, create: true) = RowAt(slot, create: false);
                RowAt(slot, create: false).Flags = 0;
            }
        }

        // Chunks wholly past the last slot are no longer needed.
        for (var chunk = (count + RowsPerChunk - 1) >> ChunkShift; chunk < _chunks.Length; chunk++)
        {
            _chunks[chunk] = null;
        }

        if (_texts.Capacity > 2 * Math.Max(_textBytes, 1 << 20))
        {
            RewriteTexts(count);
        }
    }

    /// <summary>Whether a text's surrogates all come in pairs, so that UTF-8 gives it back unchanged.</summary>
    private static bool IsValidUtf16(string text)
    {
        var rest = text.AsSpan();
        int at;
        while ((at = rest.IndexOfAnyInRange('\uD800', '\uDFFF')) >= 0)
        {
            if (Rune.DecodeFromUtf16(rest[at..], out _, out var used) != OperationStatus.Done)
            {
                return false;
            }

            rest = rest[(at + used)..];
        }

        return true;
    }

    private static int ReadLength(ref ReadOnlySpan<byte> record)
    {
        int length = 0, shift = 0;
        byte b;
        do
        {
            if (shift > 28)
            {
                throw new InvalidOperationException("A text's length in the cold flows' arena is not valid.");
            }

            b = record[0];
            record = record[1..];
            length |= (b & 0x7F) << shift;
            shift += 7;
        }
        while ((b & 0x80) != 0);
        return length;
    }

    private string ReadText(ref ReadOnlySpan<byte> record, bool utf16)
    {
        var length = ReadLength(ref record);
        var bytes = record[..length];
        record = record[length..];
        return length == 0 ? "" : utf16 ? string.Create(length / 2, bytes, static (chars, bytes) => CopyUtf16(bytes, chars)) : Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Copies a text kept as UTF-16 as it is (an encoding would replace a lone surrogate).</summary>
    private static int CopyUtf16(ReadOnlySpan<byte> bytes, Span<char> destination)
    {
        bytes[..(bytes.Length & ~1)].CopyTo(MemoryMarshal.AsBytes(destination));
        return bytes.Length / 2;
    }

    private FlowSummary Read(in Row row)
    {
        var flags = row.Flags;
        var utf16 = (flags & Utf16Texts) != 0;
        var record = _texts.From(row.Text);
        var url = ReadText(ref record, utf16);
        var prettyUrl = (flags & PrettyUrlIsUrl) != 0 ? url : ReadText(ref record, utf16);
        var method = row.Method != NameTable.None ? _names[row.Method] : ReadText(ref record, utf16);
        var marked = row.Marked != NameTable.None ? _names[row.Marked] : ReadText(ref record, utf16);
        var host = row.Host != NameTable.None ? _names[row.Host] : ReadText(ref record, utf16);
        var prettyHost = (flags & NoPrettyHost) != 0 ? null
            : (flags & PrettyHostIsHost) != 0 ? host
            : row.PrettyHost != NameTable.None ? _names[row.PrettyHost] : ReadText(ref record, utf16);
        int? status = (flags & NoStatus) != 0 ? null : (flags & WideStatus) != 0 ? BinaryPrimitives.ReadInt32LittleEndian(record) : row.Status;
        var offset = TimeSpan.FromMinutes(row.OffsetMinutes);
        return new FlowSummary
        {
            Id = row.Id,
            Type = (FlowType)row.Type,
            TimestampCreated = new DateTimeOffset(row.UtcTicks + offset.Ticks, offset),
            Method = method,
            Url = url,
            PrettyUrl = prettyUrl,
            Host = host,
            PrettyHost = prettyHost,
            StatusCode = status,
            HasError = (flags & HasError) != 0,
            Size = row.Size,
            Marked = marked,
        };
    }

    /// <summary>How many bytes a row's record takes in the arena.</summary>
    private int RecordLength(in Row row)
    {
        var record = _texts.From(row.Text);
        var start = record.Length;
        var texts = 1 + ((row.Flags & PrettyUrlIsUrl) == 0 ? 1 : 0) + (row.Method == NameTable.None ? 1 : 0) + (row.Marked == NameTable.None ? 1 : 0) +
            (row.Host == NameTable.None ? 1 : 0) + (row.PrettyHost == NameTable.None && (row.Flags & (NoPrettyHost | PrettyHostIsHost)) == 0 ? 1 : 0);
        for (var i = 0; i < texts; i++)
        {
            record = record[ReadLength(ref record)..];
        }

        return start - record.Length + ((row.Flags & WideStatus) != 0 ? sizeof(int) : 0);
    }

    /// <summary>Copies the records of the cold flows in slots below <paramref name="count"/> into a new arena, without garbage.</summary>
    private void RewriteTexts(int count)
    {
        var texts = new ByteArena();
        for (var slot = 0; slot < count; slot++)
        {
            if (Contains(slot))
            {
                ref var row = ref RowAt(slot, create: false);
                var record = _texts.From(row.Text)[..RecordLength(row)];
                record.CopyTo(texts.Append(record.Length, out var position));
                row.Text = position;
            }
        }

        _texts = texts;
    }

    private ref readonly Row Live(int slot)
    {
        ref var row = ref RowAt(slot, create: false);
        if ((row.Flags & Present) == 0)
        {
            throw new InvalidOperationException($"Slot {slot} holds no cold flow.");
        }

        return ref row;
    }

    private Row[]? RowOrNull(int slot)
    {
        var chunks = _chunks;
        var chunk = slot >> ChunkShift;
        return (uint)chunk < (uint)chunks.Length ? chunks[chunk] : null;
    }

    private ref Row RowAt(int slot, bool create)
    {
        var chunk = slot >> ChunkShift;
        if (chunk >= _chunks.Length)
        {
            if (!create)
            {
                throw new InvalidOperationException($"Slot {slot} holds no cold flow.");
            }

            var grown = new Row[]?[Math.Max(chunk + 1, _chunks.Length * 2)];
            _chunks.CopyTo(grown, 0);
            Volatile.Write(ref _chunks, grown);
        }

        var rows = _chunks[chunk];
        if (rows is null)
        {
            if (!create)
            {
                throw new InvalidOperationException($"Slot {slot} holds no cold flow.");
            }

            rows = _chunks[chunk] = new Row[RowsPerChunk];
        }

        return ref rows[slot & (RowsPerChunk - 1)];
    }

    /// <summary>A cold flow's fixed part: 56 bytes.</summary>
    private struct Row
    {
        public Guid Id;
        public long UtcTicks;
        public long Size;

        // Where the record of texts lies in the arena.
        public long Text;
        public short OffsetMinutes;
        public short Status;

        // Numbers in the name table, or NameTable.None when the text is in the record.
        public ushort Method;
        public ushort Marked;
        public ushort Host;
        public ushort PrettyHost;
        public byte Type;
        public byte Flags;
        public byte Archive;
    }

    /// <summary>Builds a record in the store's scratch buffer: texts with their lengths (7 bits a byte), then numbers.</summary>
    private ref struct RecordWriter(ColdFlows owner, bool utf16)
    {
        private int _used;

        public readonly ReadOnlySpan<byte> Written => owner._scratch.AsSpan(0, _used);

        public void Text(string text)
        {
            var most = utf16 ? text.Length * 2 : Encoding.UTF8.GetMaxByteCount(text.Length);
            Ensure(5 + most);
            var bytes = utf16 ? text.Length * 2 : Encoding.UTF8.GetByteCount(text);
            var length = (uint)bytes;
            while (length >= 0x80)
            {
                owner._scratch[_used++] = (byte)(length | 0x80);
                length >>= 7;
            }

            owner._scratch[_used++] = (byte)length;
            if (utf16)
            {
                MemoryMarshal.AsBytes(text.AsSpan()).CopyTo(owner._scratch.AsSpan(_used));
                _used += bytes;
            }
            else
            {
                _used += Encoding.UTF8.GetBytes(text, owner._scratch.AsSpan(_used));
            }
        }

        public void Int32(int value)
        {
            Ensure(sizeof(int));
            BinaryPrimitives.WriteInt32LittleEndian(owner._scratch.AsSpan(_used), value);
            _used += sizeof(int);
        }

        private readonly void Ensure(int more)
        {
            if (_used + more > owner._scratch.Length)
            {
                Array.Resize(ref owner._scratch, Math.Max(owner._scratch.Length * 2, _used + more));
            }
        }
    }
}
