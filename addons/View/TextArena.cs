namespace Addons.View;

/// <summary>Where a text lies in a <see cref="TextArena"/>.</summary>
internal readonly record struct TextRef(int Block, int Offset, int Length);

/// <summary>
/// The full texts of order keys (URLs) in a few large character blocks instead of a string per flow: the garbage
/// collector sees a handful of arrays, not a million objects to trace and promote. Texts are only appended; a text
/// replaced by an update stays as garbage until the order is next rebuilt.
/// </summary>
internal sealed class TextArena
{
    private const int BlockSize = 1 << 20;
    private readonly List<char[]> _blocks;
    private char[]? _tail;
    private int _tailUsed;

    /// <summary>An arena whose first <paramref name="reserved"/> blocks are filled by <see cref="SetBlock"/>.</summary>
    public TextArena(int reserved = 0) => _blocks = [.. new char[reserved][]];

    public ReadOnlySpan<char> this[TextRef text] => _blocks[text.Block].AsSpan(text.Offset, text.Length);

    /// <summary>Fills a reserved block (built elsewhere, for example by one worker of a parallel pass).</summary>
    public void SetBlock(int index, char[] block) => _blocks[index] = block;

    public TextRef Append(ReadOnlySpan<char> text)
    {
        if (_tail is null || _tailUsed + text.Length > _tail.Length)
        {
            _tail = new char[Math.Max(BlockSize, text.Length)];
            _blocks.Add(_tail);
            _tailUsed = 0;
        }

        text.CopyTo(_tail.AsSpan(_tailUsed));
        var reference = new TextRef(_blocks.Count - 1, _tailUsed, text.Length);
        _tailUsed += text.Length;
        return reference;
    }
}
