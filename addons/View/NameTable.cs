namespace Addons.View;

/// <summary>
/// Short texts that repeat across many flows (methods, markers, hosts), each kept once and named by a 16-bit number.
/// A full table, or a long text, gets <see cref="None"/>: the caller keeps that text itself.
/// </summary>
internal sealed class NameTable
{
    /// <summary>No number: the text is not in the table.</summary>
    public const ushort None = ushort.MaxValue;

    private const int MaxLength = 256;
    private readonly Dictionary<string, ushort> _numbers = new(StringComparer.Ordinal);

    // Published whole on growth, so that a reader off the lock never sees a torn array.
    private string[] _names = new string[16];

    public int Count => _numbers.Count;

    public ushort Intern(string text)
    {
        if (_numbers.TryGetValue(text, out var number))
        {
            return number;
        }

        if (text.Length > MaxLength || _numbers.Count == None)
        {
            return None;
        }

        number = (ushort)_numbers.Count;
        if (number == _names.Length)
        {
            var grown = new string[_names.Length * 2];
            _names.CopyTo(grown, 0);
            Volatile.Write(ref _names, grown);
        }

        _names[number] = text;
        _numbers.Add(text, number);
        return number;
    }

    public string this[ushort number] => Volatile.Read(ref _names)[number] ?? throw new ArgumentOutOfRangeException(nameof(number), number, "No such name.");
}
