using System.Buffers;
using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http2.Hpack;

/// <summary>
/// Encodes header lists into HPACK header blocks (RFC 7541) for one direction of one connection: the dynamic table
/// carries over from block to block, so blocks must be sent in the order they were encoded.
/// </summary>
/// <remarks>
/// <para>
/// Fields are encoded as given: HTTP/2 requires lowercase names (RFC 9113 section 8.2.1), so the caller lowercases
/// them; this encoder does not, and matches the static table's lowercase names only when given lowercase. Names and
/// values are Latin-1, one octet a character; a character above U+00FF, which Latin-1 cannot carry, is sent as '?'.
/// </para>
/// <para>
/// Choices, per field: an exact match in the static or dynamic table is sent as an index; sensitive fields
/// (authorization, proxy-authorization, set-cookie, a cookie shorter than 20 octets, and any the caller marks) are
/// sent as never indexed (RFC 7541 section 7.1.3); other fields are added to the dynamic table unless their entry
/// would take more than half of it. Each string is Huffman-coded when that makes it shorter.
/// </para>
/// </remarks>
internal sealed class HpackEncoder
{
    /// <summary>The initial SETTINGS_HEADER_TABLE_SIZE of HTTP/2 (RFC 9113 section 6.5.2).</summary>
    public const int DefaultHeaderTableSize = 4096;

    // Strings up to this many octets are converted to Latin-1 on the stack.
    private const int StackStringLimit = 256;

    // Cookies this short are guessable, so they stay out of the table (RFC 7541 section 7.1.3).
    private const int ShortCookieLength = 20;

    private readonly int _maxTableSize;

    // The smallest table size since the last block, and whether the peer must be told of a change (RFC 7541 section 4.2).
    private int _smallestSizeSinceBlock = int.MaxValue;
    private bool _sizeUpdatePending;

    /// <param name="maxTableSize">
    /// The most dynamic table this encoder uses, whatever the peer allows: it uses the smaller of this and the peer's
    /// SETTINGS_HEADER_TABLE_SIZE.
    /// </param>
    public HpackEncoder(int maxTableSize = DefaultHeaderTableSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        _maxTableSize = maxTableSize;

        // The peer's decoder starts at the default size; a smaller limit of ours is announced in the first block.
        DynamicTable = new HpackDynamicTable(DefaultHeaderTableSize);
        SetPeerMaxTableSize(DefaultHeaderTableSize);
    }

    /// <summary>The dynamic table, for tests and diagnostics; only the encoder changes it.</summary>
    public HpackDynamicTable DynamicTable { get; }

    /// <summary>
    /// Applies the peer's SETTINGS_HEADER_TABLE_SIZE. The table shrinks at once if it must; the next block starts with
    /// the dynamic table size updates that tell the peer (RFC 7541 sections 4.2 and 6.3).
    /// </summary>
    public void SetPeerMaxTableSize(int peerMaxTableSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(peerMaxTableSize);
        var size = Math.Min(peerMaxTableSize, _maxTableSize);
        if (size == DynamicTable.MaxSize && !_sizeUpdatePending)
        {
            return;
        }

        DynamicTable.SetMaxSize(size);
        _smallestSizeSinceBlock = Math.Min(_smallestSizeSinceBlock, size);
        _sizeUpdatePending = true;
    }

    /// <summary>Encodes <paramref name="headers"/> as one header block into <paramref name="output"/>.</summary>
    /// <param name="neverIndexed">
    /// Positions in <paramref name="headers"/> to send as never indexed besides the ones this encoder picks: the fields
    /// that arrived that way, which an intermediary must forward the same way (RFC 7541 section 6.2.3).
    /// </param>
    public void Encode(IReadOnlyList<HeaderField> headers, IBufferWriter<byte> output, IReadOnlySet<int>? neverIndexed = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(output);
        if (_sizeUpdatePending)
        {
            // When the size went down and back up since the last block, the peer must see the low point first, so
            // it evicts what this table evicted (RFC 7541 section 4.2).
            if (_smallestSizeSinceBlock < DynamicTable.MaxSize)
            {
                WriteInteger(output, _smallestSizeSinceBlock, 5, 0x20);
            }

            WriteInteger(output, DynamicTable.MaxSize, 5, 0x20);
            _sizeUpdatePending = false;
            _smallestSizeSinceBlock = int.MaxValue;
        }

        for (var i = 0; i < headers.Count; i++)
        {
            var field = headers[i];
            var sensitive = IsSensitive(field) || (neverIndexed is not null && neverIndexed.Contains(i));
            EncodeField(field, sensitive, output);
        }
    }

    private void EncodeField(HeaderField field, bool sensitive, IBufferWriter<byte> output)
    {
        if (!sensitive)
        {
            var staticIndex = HpackStaticTable.FindExact(field.Name, field.Value);
            if (staticIndex > 0)
            {
                WriteInteger(output, staticIndex, 7, 0x80);
                return;
            }
        }

        var dynamicIndex = DynamicTable.Find(field.Name, field.Value, out var dynamicNameIndex);
        if (!sensitive && dynamicIndex >= 0)
        {
            WriteInteger(output, HpackStaticTable.Count + 1 + dynamicIndex, 7, 0x80);
            return;
        }

        // The name's index as the table is before this field is added; 0 sends the name as a string.
        var nameIndex = HpackStaticTable.FindName(field.Name);
        if (nameIndex == 0 && dynamicNameIndex >= 0)
        {
            nameIndex = HpackStaticTable.Count + 1 + dynamicNameIndex;
        }

        if (sensitive)
        {
            WriteLiteral(output, field, nameIndex, 4, 0x10);
        }
        else if (HpackDynamicTable.EntrySize(field) <= DynamicTable.MaxSize / 2)
        {
            WriteLiteral(output, field, nameIndex, 6, 0x40);
            DynamicTable.Add(field);
        }
        else
        {
            WriteLiteral(output, field, nameIndex, 4, 0x00);
        }
    }

    private static bool IsSensitive(HeaderField field) => field.Name switch
    {
        "authorization" or "proxy-authorization" or "set-cookie" => true,
        "cookie" => field.Value.Length < ShortCookieLength,
        _ => false,
    };

    private static void WriteLiteral(IBufferWriter<byte> output, HeaderField field, int nameIndex, int prefixBits, byte pattern)
    {
        WriteInteger(output, nameIndex, prefixBits, pattern);
        if (nameIndex == 0)
        {
            WriteString(output, field.Name);
        }

        WriteString(output, field.Value);
    }

    private static void WriteInteger(IBufferWriter<byte> output, int value, int prefixBits, byte pattern)
    {
        var written = HpackInteger.Encode(value, prefixBits, pattern, output.GetSpan(HpackInteger.MaxLength));
        output.Advance(written);
    }

    // A string literal (RFC 7541 section 5.2), Huffman-coded only when that is shorter.
    private static void WriteString(IBufferWriter<byte> output, string text)
    {
        byte[]? rented = null;
        try
        {
            Span<byte> octets = text.Length <= StackStringLimit
                ? stackalloc byte[StackStringLimit]
                : rented = ArrayPool<byte>.Shared.Rent(text.Length);
            octets = octets[..text.Length];
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                octets[i] = c <= '\u00FF' ? (byte)c : (byte)'?';
            }

            var huffmanLength = HpackHuffman.GetEncodedLength(octets);
            if (huffmanLength < octets.Length)
            {
                var span = output.GetSpan(HpackInteger.MaxLength + huffmanLength);
                var written = HpackInteger.Encode(huffmanLength, 7, 0x80, span);
                written += HpackHuffman.Encode(octets, span[written..]);
                output.Advance(written);
            }
            else
            {
                var span = output.GetSpan(HpackInteger.MaxLength + octets.Length);
                var written = HpackInteger.Encode(octets.Length, 7, 0x00, span);
                octets.CopyTo(span[written..]);
                output.Advance(written + octets.Length);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
