using System.Buffers;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.Host.Proxy.Http2.Hpack;

/// <summary>
/// Decodes HPACK header blocks (RFC 7541) for one direction of one connection: the dynamic table carries over from
/// block to block, so blocks must be decoded in the order they were sent, and a block that fails to decode leaves
/// the table unusable (the connection must end with COMPRESSION_ERROR). A block is decoded whole: the caller assembles
/// HEADERS and its CONTINUATION frames first.
/// </summary>
/// <remarks>
/// Names come back exactly as sent. HTTP/2 requires lowercase names and forbids some fields, but those are HTTP/2
/// rules (RFC 9113 section 8.2), checked by the layer above, not HPACK's.
/// </remarks>
internal sealed class HpackDecoder
{
    /// <summary>The initial SETTINGS_HEADER_TABLE_SIZE of HTTP/2 (RFC 9113 section 6.5.2).</summary>
    public const int DefaultHeaderTableSize = 4096;

    // Huffman strings that decode to at most this many octets are decoded on the stack.
    private const int StackDecodeLimit = 256;

    private readonly int _maxTableSize;

    /// <param name="maxTableSize">
    /// The SETTINGS_HEADER_TABLE_SIZE this side advertised: the table starts at that size, and the peer may not set it
    /// above. A value below the default 4096 is only safe once the peer has acknowledged it, since until then the
    /// peer encodes against 4096.
    /// </param>
    public HpackDecoder(int maxTableSize = DefaultHeaderTableSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxTableSize);
        _maxTableSize = maxTableSize;
        DynamicTable = new HpackDynamicTable(maxTableSize);
    }

    /// <summary>The dynamic table, for tests and diagnostics; only the decoder changes it.</summary>
    public HpackDynamicTable DynamicTable { get; }

    /// <summary>
    /// Decodes one complete header block, appending its fields to <paramref name="headers"/> in order.
    /// </summary>
    /// <param name="block">The header block fragment of HEADERS or PUSH_PROMISE and all its CONTINUATION frames.</param>
    /// <param name="headers">Receives the fields.</param>
    /// <param name="maxHeaderListSize">
    /// The SETTINGS_MAX_HEADER_LIST_SIZE this side advertised: the most the fields may add up to, each counting its
    /// name and value octets plus 32 (RFC 9113 section 6.5.2).
    /// </param>
    /// <param name="neverIndexed">
    /// If given, receives the positions in <paramref name="headers"/> of the fields sent as never indexed (RFC 7541
    /// section 6.2.3), which an intermediary must forward the same way.
    /// </param>
    /// <returns>
    /// True; or false when the header list is larger than <paramref name="maxHeaderListSize"/>. The block is then still
    /// decoded to its end, so the dynamic table stays in step with the peer's and the connection can go on, but
    /// <paramref name="headers"/> stops receiving fields at the limit and holds an incomplete list: answer the stream
    /// with 431 (or reset it) rather than use it.
    /// </returns>
    /// <exception cref="HpackDecodingException">The block breaks RFC 7541; the connection cannot go on.</exception>
    public bool Decode(ReadOnlySpan<byte> block, List<HeaderField> headers, int maxHeaderListSize, ICollection<int>? neverIndexed = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var position = 0;
        var fieldSeen = false;
        long listSize = 0;
        var tooLarge = false;
        while (position < block.Length)
        {
            var first = block[position];
            HeaderField field;
            var sentNeverIndexed = false;
            if ((first & 0x80) != 0)
            {
                // 1xxxxxxx: indexed field (section 6.1).
                field = GetIndexed(HpackInteger.Decode(block, ref position, 7));
            }
            else if ((first & 0x40) != 0)
            {
                // 01xxxxxx: literal with incremental indexing (section 6.2.1).
                field = ReadLiteral(block, ref position, 6);
                DynamicTable.Add(field);
            }
            else if ((first & 0x20) != 0)
            {
                // 001xxxxx: dynamic table size update (section 6.3), only before the first field (section 4.2).
                if (fieldSeen)
                {
                    throw new HpackDecodingException(
                        "HPACK: dynamic table size update after a header field; it may only start a header block (RFC 7541 section 4.2).");
                }

                var size = HpackInteger.Decode(block, ref position, 5);
                if (size > _maxTableSize)
                {
                    throw new HpackDecodingException(
                        $"HPACK: dynamic table size update to {size} exceeds the {_maxTableSize} octets allowed (RFC 7541 section 6.3).");
                }

                DynamicTable.SetMaxSize(size);
                continue;
            }
            else
            {
                // 0000xxxx: literal without indexing (section 6.2.2); 0001xxxx: never indexed (section 6.2.3).
                sentNeverIndexed = (first & 0x10) != 0;
                field = ReadLiteral(block, ref position, 4);
            }

            fieldSeen = true;
            listSize += HpackDynamicTable.EntrySize(field);
            if (!tooLarge && listSize > maxHeaderListSize)
            {
                tooLarge = true;
            }

            if (!tooLarge)
            {
                if (sentNeverIndexed)
                {
                    neverIndexed?.Add(headers.Count);
                }

                headers.Add(field);
            }
        }

        return !tooLarge;
    }

    private HeaderField GetIndexed(int index)
    {
        if (index == 0)
        {
            throw new HpackDecodingException("HPACK: index 0 is not a valid table index (RFC 7541 section 6.1).");
        }

        if (index <= HpackStaticTable.Count)
        {
            return HpackStaticTable.Get(index);
        }

        var dynamicIndex = index - HpackStaticTable.Count - 1;
        if (dynamicIndex >= DynamicTable.Count)
        {
            throw new HpackDecodingException(
                $"HPACK: index {index} is past the end of the table ({HpackStaticTable.Count} static and {DynamicTable.Count} dynamic entries) (RFC 7541 section 2.3.3).");
        }

        return DynamicTable[dynamicIndex];
    }

    private HeaderField ReadLiteral(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        // A name index of 0 means the name follows as a string (sections 6.2.1 to 6.2.3).
        var nameIndex = HpackInteger.Decode(block, ref position, prefixBits);
        var name = nameIndex == 0 ? ReadString(block, ref position) : GetIndexed(nameIndex).Name;
        var value = ReadString(block, ref position);
        return new HeaderField(name, value);
    }

    private static string ReadString(ReadOnlySpan<byte> block, ref int position)
    {
        if (position >= block.Length)
        {
            throw new HpackDecodingException("HPACK: header block ends where a string literal should start (RFC 7541 section 5.2).");
        }

        var huffman = (block[position] & 0x80) != 0;
        var length = HpackInteger.Decode(block, ref position, 7);
        if (length > block.Length - position)
        {
            throw new HpackDecodingException(
                $"HPACK: string literal of {length} octets runs past the end of the header block, which has {block.Length - position} left (RFC 7541 section 5.2).");
        }

        var octets = block.Slice(position, length);
        position += length;
        if (!huffman)
        {
            return Encoding.Latin1.GetString(octets);
        }

        var maxLength = HpackHuffman.GetMaxDecodedLength(length);
        byte[]? rented = null;
        try
        {
            Span<byte> buffer = maxLength <= StackDecodeLimit
                ? stackalloc byte[StackDecodeLimit]
                : rented = ArrayPool<byte>.Shared.Rent(maxLength);
            var decoded = HpackHuffman.Decode(octets, buffer);
            return Encoding.Latin1.GetString(buffer[..decoded]);
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
