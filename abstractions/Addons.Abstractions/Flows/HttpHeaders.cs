using System.Collections;
using System.Text;

namespace Addons.Abstractions.Flows;

/// <summary>
/// An ordered list of header fields that keeps the order, case and duplicates it was given. Look-ups by name are
/// case-insensitive. Values are Latin-1 strings (one character per byte); use <see cref="GetUtf8"/> to decode UTF-8.
/// </summary>
public sealed class HttpHeaders : IReadOnlyList<HeaderField>
{
    private readonly List<HeaderField> _fields;

    /// <summary>Creates an empty header list.</summary>
    public HttpHeaders() => _fields = [];

    /// <summary>Creates a header list holding <paramref name="fields"/> in order.</summary>
    public HttpHeaders(IEnumerable<HeaderField> fields) => _fields = new List<HeaderField>(fields);

    /// <summary>Creates a header list from name/value pairs in order.</summary>
    public HttpHeaders(params (string Name, string Value)[] fields)
    {
        _fields = new List<HeaderField>(fields.Length);
        foreach (var (name, value) in fields)
        {
            Add(name, value);
        }
    }

    /// <inheritdoc />
    public int Count => _fields.Count;

    /// <inheritdoc />
    public HeaderField this[int index] => _fields[index];

    /// <summary>
    /// The values of every field named <paramref name="name"/> joined with ", ", or <c>null</c> when there is none.
    /// Setting replaces all fields of that name with one field at the position of the first; setting <c>null</c> removes them.
    /// </summary>
    public string? this[string name]
    {
        get
        {
            string? first = null;
            StringBuilder? joined = null;
            foreach (var field in _fields)
            {
                if (!IsName(field, name))
                {
                    continue;
                }

                if (first is null)
                {
                    first = field.Value;
                }
                else
                {
                    joined ??= new StringBuilder(first);
                    joined.Append(", ").Append(field.Value);
                }
            }

            return joined?.ToString() ?? first;
        }

        set
        {
            if (value is null)
            {
                Remove(name);
            }
            else
            {
                Set(name, value);
            }
        }
    }

    /// <summary>Appends a field, keeping any existing fields of the same name.</summary>
    public void Add(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        _fields.Add(new HeaderField(name, value));
    }

    /// <summary>Inserts a field at <paramref name="index"/>.</summary>
    public void Insert(int index, string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        _fields.Insert(index, new HeaderField(name, value));
    }

    /// <summary>Replaces every field named <paramref name="name"/> with one field at the position of the first, or appends it.</summary>
    public void Set(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        var index = IndexOf(name);
        if (index < 0)
        {
            _fields.Add(new HeaderField(name, value));
            return;
        }

        _fields[index] = new HeaderField(_fields[index].Name, value);
        for (var i = _fields.Count - 1; i > index; i--)
        {
            if (IsName(_fields[i], name))
            {
                _fields.RemoveAt(i);
            }
        }
    }

    /// <summary>Removes every field named <paramref name="name"/>; returns how many were removed.</summary>
    public int Remove(string name) => _fields.RemoveAll(f => IsName(f, name));

    /// <summary>Removes the field at <paramref name="index"/>.</summary>
    public void RemoveAt(int index) => _fields.RemoveAt(index);

    /// <summary>Removes every field.</summary>
    public void Clear() => _fields.Clear();

    /// <summary>Whether any field is named <paramref name="name"/>.</summary>
    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The index of the first field named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < _fields.Count; i++)
        {
            if (IsName(_fields[i], name))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The values of every field named <paramref name="name"/>, in order.</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        var values = new List<string>();
        foreach (var field in _fields)
        {
            if (IsName(field, name))
            {
                values.Add(field.Value);
            }
        }

        return values;
    }

    /// <summary>The first value named <paramref name="name"/> decoded from UTF-8, or <c>null</c>.</summary>
    public string? GetUtf8(string name)
    {
        var index = IndexOf(name);
        return index < 0 ? null : Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(_fields[index].Value));
    }

    /// <summary>A deep copy of this list.</summary>
    public HttpHeaders Clone() => new(_fields);

    /// <inheritdoc />
    public IEnumerator<HeaderField> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static bool IsName(HeaderField field, string name) => string.Equals(field.Name, name, StringComparison.OrdinalIgnoreCase);
}
