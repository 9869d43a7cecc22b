namespace Addons.View;

/// <summary>A flow's cached order key: a number (time, size) or a text (method, URL), compared without boxing.</summary>
internal readonly record struct SortKey(long Number, string? Text)
{
    public int CompareTo(SortKey other) =>
        Text is not null || other.Text is not null
            ? string.CompareOrdinal(Text, other.Text)
            : Number.CompareTo(other.Number);
}
