namespace Addons.Session.Storage;

/// <summary>
/// Shares one string among equal texts read from many rows (methods, hosts, markers), so that a million summaries do
/// not hold a million copies of <c>GET</c>. Holds at most <see cref="Capacity"/> distinct texts; past that, texts are
/// returned as read.
/// </summary>
internal sealed class TextPool
{
    public const int Capacity = 4096;

    private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);

    public string Get(string text)
    {
        if (_texts.TryGetValue(text, out var shared))
        {
            return shared;
        }

        if (_texts.Count < Capacity)
        {
            _texts.Add(text, text);
        }

        return text;
    }
}
