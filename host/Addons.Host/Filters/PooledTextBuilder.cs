using System.Buffers;
using System.Globalization;

namespace Addons.Host.Filters;

/// <summary>
/// Builds text in a caller-supplied (usually stack) buffer, moving to <see cref="ArrayPool{T}"/> arrays when it grows,
/// so filters can assemble a URL or a header block without allocating. Call <see cref="Dispose"/> when done.
/// </summary>
internal ref struct PooledTextBuilder
{
    private char[]? _rented;
    private Span<char> _chars;
    private int _length;

    /// <summary>Starts with <paramref name="initialBuffer"/>, typically <c>stackalloc char[256]</c>.</summary>
    public PooledTextBuilder(Span<char> initialBuffer)
    {
        _rented = null;
        _chars = initialBuffer;
        _length = 0;
    }

    /// <summary>Starts with a pooled buffer of at least <paramref name="capacity"/> characters.</summary>
    public PooledTextBuilder(int capacity)
    {
        _rented = ArrayPool<char>.Shared.Rent(Math.Max(capacity, 16));
        _chars = _rented;
        _length = 0;
    }

    /// <summary>The text built so far.</summary>
    public readonly ReadOnlySpan<char> Text => _chars[.._length];

    /// <summary>How many characters the text has.</summary>
    public readonly int Length => _length;

    /// <summary>Appends one character.</summary>
    public void Append(char value)
    {
        if (_length == _chars.Length)
        {
            Grow(1);
        }

        _chars[_length++] = value;
    }

    /// <summary>Appends <paramref name="value"/>.</summary>
    public void Append(scoped ReadOnlySpan<char> value)
    {
        value.CopyTo(AppendSpan(value.Length));
    }

    /// <summary>Appends <paramref name="value"/> in invariant decimal digits.</summary>
    public void Append(int value)
    {
        int written;
        while (!value.TryFormat(_chars[_length..], out written, default, CultureInfo.InvariantCulture))
        {
            Grow(11);
        }

        _length += written;
    }

    /// <summary>Reserves <paramref name="length"/> characters at the end for the caller to fill.</summary>
    public Span<char> AppendSpan(int length)
    {
        if (_chars.Length - _length < length)
        {
            Grow(length);
        }

        var span = _chars.Slice(_length, length);
        _length += length;
        return span;
    }

    /// <summary>Forgets the text, keeping the buffer.</summary>
    public void Clear() => _length = 0;

    /// <summary>Forgets the text after its first <paramref name="length"/> characters.</summary>
    public void Truncate(int length) => _length = Math.Min(length, _length);

    /// <summary>Returns a rented buffer to the pool.</summary>
    public void Dispose()
    {
        var rented = _rented;
        this = default;
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    private void Grow(int additional)
    {
        var size = (int)Math.Min(Array.MaxLength, Math.Max((long)_length + additional, (long)_chars.Length * 2));
        var array = ArrayPool<char>.Shared.Rent(size);
        _chars[.._length].CopyTo(array);
        var previous = _rented;
        _chars = _rented = array;
        if (previous is not null)
        {
            ArrayPool<char>.Shared.Return(previous);
        }
    }
}
