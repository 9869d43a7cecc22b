using System.Globalization;
using System.Text;
using Addons.Abstractions.Flows;

namespace Addons.View;

/// <summary>
/// The markers <c>flow.mark</c> takes (<see cref="Flow.Marked"/>), as mitmproxy's view does: empty for an unmarked
/// flow, otherwise <see cref="Marker.Default"/>, a single letter or digit, or an emoji name between colons such as
/// <c>:grapes:</c>, from GitHub's names (gemoji) as mitmproxy uses them. <see cref="Render"/> gives the one glyph a list
/// of flows shows for it. The name table is the View's own (emoji-names.tsv): the contract says what a marker is, the
/// View which names it accepts.
/// </summary>
internal static class Markers
{
    /// <summary>The glyph of the default mark (and of markers that are not known) in Unicode output.</summary>
    public const string DefaultSymbol = "\u25CF";

    /// <summary>The glyph of the default mark where output is ASCII only.</summary>
    public const string AsciiDefaultSymbol = "#";

    private static readonly Lazy<Dictionary<string, string>> Emoji = new(LoadEmoji);

    /// <summary>
    /// The glyph for <paramref name="marker"/>: a known emoji name gives its emoji, a single ASCII letter or digit
    /// itself, and anything else (<c>:default:</c>, unknown names) the default mark symbol. An empty marker (an
    /// unmarked flow) gives an empty string.
    /// </summary>
    /// <param name="marker">The flow's marker.</param>
    /// <param name="unicode">False for ASCII-only output: the default symbol is then <c>#</c>, and emoji are not used.</param>
    public static string Render(string marker, bool unicode = true)
    {
        ArgumentNullException.ThrowIfNull(marker);
        if (marker.Length == 0)
        {
            return "";
        }

        if (IsCharacter(marker))
        {
            return marker;
        }

        if (unicode && EmojiOf(marker) is { } emoji)
        {
            return emoji;
        }

        return unicode ? DefaultSymbol : AsciiDefaultSymbol;
    }

    /// <summary>
    /// Whether <paramref name="marker"/> is one mitmproxy accepts: empty (unmarked), <c>:default:</c>, a single ASCII
    /// letter or digit, or an emoji name between colons.
    /// </summary>
    public static bool IsValid(string marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        return marker.Length == 0 || marker == Marker.Default || IsCharacter(marker) || EmojiOf(marker) is not null;
    }

    /// <summary>Whether <paramref name="name"/> (with or without the colons) is an emoji name a marker may use.</summary>
    public static bool IsEmojiName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var bare = name.Length > 2 && name[0] == ':' && name[^1] == ':' ? name[1..^1] : name;
        return Emoji.Value.ContainsKey(bare);
    }

    /// <summary>A single ASCII letter or digit, a marker that shows as itself.</summary>
    private static bool IsCharacter(string marker) => marker.Length == 1 && char.IsAsciiLetterOrDigit(marker[0]);

    /// <summary>The emoji of a known name between colons, or null.</summary>
    private static string? EmojiOf(string marker) =>
        marker.Length > 2 && marker[0] == ':' && marker[^1] == ':' && Emoji.Value.TryGetValue(marker[1..^1], out var emoji) ? emoji : null;

    private static Dictionary<string, string> LoadEmoji()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        using var stream = typeof(Markers).Assembly.GetManifestResourceStream("Addons.View.emoji-names.tsv");
        if (stream is null)
        {
            return names;
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (line.StartsWith('#') || tab < 0)
            {
                continue;
            }

            var glyph = new StringBuilder();
            foreach (var code in line[(tab + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                glyph.Append(char.ConvertFromUtf32(int.Parse(code, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            names[line[..tab]] = glyph.ToString();
        }

        return names;
    }
}
