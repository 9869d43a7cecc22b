namespace Addons.Session.Fleet;

/// <summary>
/// Text as a PostgreSQL text column can hold it. PostgreSQL refuses NUL characters and text that is not valid UTF-8,
/// which a captured URL or marker may hold; the columns are only for searching (the record keeps the flow exactly), so
/// such text is kept with NUL and lone surrogates replaced by U+FFFD rather than failing the whole batch.
/// </summary>
internal static class ColumnText
{
    public static string Of(string value)
    {
        foreach (var c in value)
        {
            if (c == '\0' || char.IsSurrogate(c))
            {
                return Clean(value);
            }
        }

        return value;
    }

    private static string Clean(string value) => string.Create(value.Length, value, static (span, text) =>
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                span[i] = c;
                span[++i] = text[i];
            }
            else
            {
                span[i] = c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c;
            }
        }
    });
}
