namespace Addons.Host.Proxy.Http2.Hpack;

/// <summary>
/// The Huffman coding of string literals (RFC 7541 section 5.2 and Appendix B). Decoding walks a state machine four
/// bits at a time: each state is an inner node of the code tree, built once from <see cref="HpackHuffmanTable"/>.
/// </summary>
internal static class HpackHuffman
{
    // A full binary tree with 257 leaves has 256 inner nodes, so a state fits in a byte.
    private const int StateCount = 256;

    // A transition: the next state in bits 0-7, the symbol emitted (if EmitFlag) in bits 8-15, and FailFlag when
    // the nibble runs into EOS.
    private const uint EmitFlag = 1u << 16;
    private const uint FailFlag = 1u << 17;

    // Transitions[16 * state + nibble]; and, per state, the length of its path from the root and whether that path is
    // all ones: a string may end only in a state whose path is at most 7 ones (the padding, a prefix of EOS).
    private static readonly (uint[] Transitions, byte[] Depth, bool[] AllOnes) Machine = BuildMachine();

    /// <summary>The number of octets <paramref name="source"/> takes Huffman-coded, padding included.</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> source)
    {
        var lengths = HpackHuffmanTable.Lengths;
        long bits = 0;
        foreach (var octet in source)
        {
            bits += lengths[octet];
        }

        return (int)((bits + 7) >> 3);
    }

    /// <summary>
    /// Huffman-codes <paramref name="source"/> into <paramref name="destination"/>, which must hold
    /// <see cref="GetEncodedLength"/> octets, and returns the number written. The last octet is padded with ones.
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var codes = HpackHuffmanTable.Codes;
        var lengths = HpackHuffmanTable.Lengths;
        ulong pending = 0;
        var pendingBits = 0;
        var written = 0;
        foreach (var octet in source)
        {
            // Fewer than 8 bits wait here before a code of at most 30 is added, so 64 bits never overflow in a way
            // that matters: only the low pendingBits are ever read.
            pending = (pending << lengths[octet]) | codes[octet];
            pendingBits += lengths[octet];
            while (pendingBits >= 8)
            {
                pendingBits -= 8;
                destination[written++] = (byte)(pending >> pendingBits);
            }
        }

        if (pendingBits > 0)
        {
            destination[written++] = (byte)((pending << (8 - pendingBits)) | (0xFFu >> pendingBits));
        }

        return written;
    }

    /// <summary>The most octets <paramref name="encodedLength"/> Huffman-coded octets can decode to (codes are at least 5 bits).</summary>
    public static int GetMaxDecodedLength(int encodedLength) => (int)(encodedLength * 8L / 5);

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/>, which must hold
    /// <see cref="GetMaxDecodedLength"/> octets, and returns the number written.
    /// </summary>
    /// <exception cref="HpackDecodingException">The string contains EOS or ends with invalid padding.</exception>
    public static int Decode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var transitions = Machine.Transitions;
        var state = 0;
        var written = 0;
        foreach (var octet in source)
        {
            var transition = transitions[(state * 16) + (octet >> 4)];
            if ((transition & (EmitFlag | FailFlag)) != 0)
            {
                written = Emit(transition, destination, written);
            }

            transition = transitions[((int)(transition & 0xFF) * 16) + (octet & 0x0F)];
            if ((transition & (EmitFlag | FailFlag)) != 0)
            {
                written = Emit(transition, destination, written);
            }

            state = (int)(transition & 0xFF);
        }

        if (!Machine.AllOnes[state])
        {
            throw new HpackDecodingException(
                "HPACK: Huffman string ends with padding that is not all ones, or with an incomplete code (RFC 7541 section 5.2).");
        }

        if (Machine.Depth[state] > 7)
        {
            throw new HpackDecodingException(
                $"HPACK: Huffman string ends with {Machine.Depth[state]} bits of padding, more than 7 (RFC 7541 section 5.2).");
        }

        return written;
    }

    private static int Emit(uint transition, Span<byte> destination, int written)
    {
        if ((transition & FailFlag) != 0)
        {
            throw new HpackDecodingException("HPACK: Huffman string contains the EOS symbol (RFC 7541 section 5.2).");
        }

        destination[written] = (byte)(transition >> 8);
        return written + 1;
    }

    private static (uint[] Transitions, byte[] Depth, bool[] AllOnes) BuildMachine()
    {
        var (children, depth, allOnes) = BuildTree();
        var transitions = new uint[StateCount * 16];
        for (var state = 0; state < StateCount; state++)
        {
            for (var nibble = 0; nibble < 16; nibble++)
            {
                transitions[(state * 16) + nibble] = Walk(children, state, nibble);
            }
        }

        return (transitions, depth, allOnes);
    }

    // The transition from a state on four bits, most significant first. A nibble completes at most one symbol: after
    // one completes, fewer than 4 bits remain and every code is at least 5 bits long.
    private static uint Walk(int[] children, int state, int nibble)
    {
        var node = state;
        var result = 0u;
        for (var bit = 3; bit >= 0; bit--)
        {
            var child = children[(node * 2) + ((nibble >> bit) & 1)];
            if (child >= 0)
            {
                node = child;
                continue;
            }

            var symbol = ~child;
            if (symbol == HpackHuffmanTable.Eos)
            {
                return FailFlag;
            }

            result = EmitFlag | ((uint)symbol << 8);
            node = 0;
        }

        return result | (uint)node;
    }

    // The code tree: children[2 * node + bit] is an inner node's number, or ~symbol for a leaf. The root is node 0,
    // which is never anyone's child, so 0 marks a slot not filled yet.
    private static (int[] Children, byte[] Depth, bool[] AllOnes) BuildTree()
    {
        var codes = HpackHuffmanTable.Codes;
        var lengths = HpackHuffmanTable.Lengths;
        var children = new int[StateCount * 2];
        var depth = new byte[StateCount];
        var allOnes = new bool[StateCount];
        allOnes[0] = true;
        var nodes = 1;
        for (var symbol = 0; symbol <= HpackHuffmanTable.Eos; symbol++)
        {
            var code = codes[symbol];
            var node = 0;
            for (var i = lengths[symbol] - 1; i > 0; i--)
            {
                var bit = (int)((code >> i) & 1);
                var slot = (node * 2) + bit;
                if (children[slot] == 0)
                {
                    children[slot] = nodes;
                    depth[nodes] = (byte)(depth[node] + 1);
                    allOnes[nodes] = allOnes[node] && bit == 1;
                    nodes++;
                }

                node = children[slot];
            }

            children[(node * 2) + (int)(code & 1)] = ~symbol;
        }

        return (children, depth, allOnes);
    }
}
