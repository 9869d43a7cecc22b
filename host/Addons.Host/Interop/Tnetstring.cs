using System.Globalization;
using System.Text;

namespace Addons.Host.Interop;

/// <summary>
/// tnetstrings, the encoding of mitmproxy's flow files: <c>LENGTH:DATA</c> and a type character, <c>,</c> bytes,
/// <c>;</c> text, <c>#</c> integer, <c>^</c> float, <c>!</c> boolean, <c>~</c> null, <c>}</c> dictionary, <c>]</c> list.
/// Values read as <see cref="byte"/>[], <see cref="string"/>, <see cref="long"/>, <see cref="double"/>,
/// <see cref="bool"/>, null, <see cref="Dictionary{TKey, TValue}"/> (string keys) and <see cref="List{T}"/>.
/// </summary>
internal static class Tnetstring
{
    /// <summary>Reads one value at <paramref name="offset"/>, moving it past the value.</summary>
    /// <exception cref="FormatException">The bytes there are not a tnetstring; the message says what and at which byte.</exception>
    public static object? Read(ReadOnlySpan<byte> bytes, ref int offset) => Read(bytes, ref offset, bytes.Length);

    /// <summary>Reads one value at <paramref name="offset"/> that must end before <paramref name="end"/> (its container's end).</summary>
    private static object? Read(ReadOnlySpan<byte> bytes, ref int offset, int end)
    {
        var start = offset;
        var colon = bytes[offset..end].IndexOf((byte)':');
        if (colon <= 0 || colon > 10)
        {
            throw new FormatException($"at byte {start}: expected a length and ':' (a tnetstring)");
        }

        if (!int.TryParse(bytes.Slice(offset, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            throw new FormatException($"at byte {start}: '{Encoding.ASCII.GetString(bytes.Slice(offset, colon))}' is not a length");
        }

        var data = offset + colon + 1;
        if ((long)data + length >= end)
        {
            throw new FormatException(end == bytes.Length
                ? $"at byte {start}: a value of {length} bytes runs past the end of the file (cut short?)"
                : $"at byte {start}: a value of {length} bytes runs past the end of its container");
        }

        var payload = bytes.Slice(data, length);
        var type = (char)bytes[data + length];
        offset = data + length + 1;
        return type switch
        {
            ',' => payload.ToArray(),
            ';' => Encoding.UTF8.GetString(payload),
            '#' => long.TryParse(payload, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) ? integer : throw new FormatException($"at byte {start}: '{Encoding.ASCII.GetString(payload)}' is not an integer"),
            '^' => double.TryParse(payload, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) ? real : throw new FormatException($"at byte {start}: '{Encoding.ASCII.GetString(payload)}' is not a float"),
            '!' => payload.SequenceEqual("true"u8) || (payload.SequenceEqual("false"u8) ? false : throw new FormatException($"at byte {start}: '{Encoding.ASCII.GetString(payload)}' is not a boolean")),
            '~' => length == 0 ? null : throw new FormatException($"at byte {start}: a null with data"),
            '}' => Dictionary(bytes, data, data + length),
            ']' => List(bytes, data, data + length),
            _ => throw new FormatException($"at byte {offset - 1}: '{type}' is not a tnetstring type"),
        };
    }

    /// <summary>Appends <paramref name="value"/> as a tnetstring.</summary>
    public static void Write(Stream output, object? value)
    {
        switch (value)
        {
            case null:
                Frame(output, [], '~');
                break;
            case byte[] bytes:
                Frame(output, bytes, ',');
                break;
            case string text:
                Frame(output, Encoding.UTF8.GetBytes(text), ';');
                break;
            case bool flag:
                Frame(output, flag ? "true"u8.ToArray() : "false"u8.ToArray(), '!');
                break;
            case int or long:
                Frame(output, Encoding.ASCII.GetBytes(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)), '#');
                break;
            case double real:
                Frame(output, Encoding.ASCII.GetBytes(real.ToString("R", CultureInfo.InvariantCulture)), '^');
                break;
            case IEnumerable<KeyValuePair<string, object?>> dictionary:
                using (var body = new MemoryStream())
                {
                    foreach (var (key, item) in dictionary)
                    {
                        Write(body, key);
                        Write(body, item);
                    }

                    Frame(output, body.ToArray(), '}');
                }

                break;
            case System.Collections.IEnumerable list:
                using (var body = new MemoryStream())
                {
                    foreach (var item in list)
                    {
                        Write(body, item);
                    }

                    Frame(output, body.ToArray(), ']');
                }

                break;
            default:
                throw new ArgumentException($"A {value.GetType().Name} has no tnetstring form.", nameof(value));
        }
    }

    private static void Frame(Stream output, byte[] payload, char type)
    {
        output.Write(Encoding.ASCII.GetBytes(payload.Length.ToString(CultureInfo.InvariantCulture)));
        output.WriteByte((byte)':');
        output.Write(payload);
        output.WriteByte((byte)type);
    }

    private static Dictionary<string, object?> Dictionary(ReadOnlySpan<byte> bytes, int offset, int end)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        while (offset < end)
        {
            var keyAt = offset;
            var key = Read(bytes, ref offset, end) switch
            {
                string text => text,
                byte[] raw => Encoding.UTF8.GetString(raw),
                _ => throw new FormatException($"at byte {keyAt}: a dictionary key that is not a string"),
            };
            if (offset >= end)
            {
                throw new FormatException($"at byte {keyAt}: the key '{key}' has no value");
            }

            result[key] = Read(bytes, ref offset, end);
        }

        return result;
    }

    private static List<object?> List(ReadOnlySpan<byte> bytes, int offset, int end)
    {
        var result = new List<object?>();
        while (offset < end)
        {
            result.Add(Read(bytes, ref offset, end));
        }

        return result;
    }
}
