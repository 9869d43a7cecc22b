using System.Text;
using System.Text.RegularExpressions;

namespace Addons.Host.Filters;

/// <summary>The regex argument of an operator, compiled once at parse time and matched against spans.</summary>
internal sealed class FilterRegex
{
    /// <summary>How long one match may run before it counts as no match.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private readonly Regex _regex;
    private readonly AsciiLiteral? _literal;

    private FilterRegex(string source, RegexOptions extraOptions, Regex regex, AsciiLiteral? literal)
    {
        Source = source;
        _regex = regex;
        _literal = literal;
        var flags = "i";
        if ((extraOptions & RegexOptions.Multiline) != 0)
        {
            flags += "m";
        }

        if ((extraOptions & RegexOptions.Singleline) != 0)
        {
            flags += "s";
        }

        Description = "/" + source + "/" + flags;
    }

    /// <summary>The regex as the user wrote it.</summary>
    public string Source { get; }

    /// <summary>The regex with its flags, such as <c>/json/i</c>.</summary>
    public string Description { get; }

    /// <summary>
    /// The pattern when it is a plain ASCII literal (no regex syntax, no control character), matched case-insensitively
    /// by any search for that text; otherwise null.
    /// </summary>
    public string? PlainLiteral { get; private init; }

    /// <summary>
    /// Compiles <paramref name="source"/>. When <paramref name="matchesBytes"/> is set the subject is bytes shown as
    /// Latin-1 text, so the pattern's non-ASCII characters are turned into their UTF-8 bytes the same way (as a bytes
    /// regex in mitmproxy is the UTF-8 encoding of what the user typed).
    /// </summary>
    /// <exception cref="ArgumentException">The pattern does not compile.</exception>
    public static FilterRegex Create(string source, RegexOptions extraOptions, bool matchesBytes)
    {
        var pattern = matchesBytes && !Ascii.IsValid(source) ? Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(source)) : source;
        var options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled | extraOptions;
        var literal = AsciiLiteral.TryCreate(source);
        return new FilterRegex(source, extraOptions, new Regex(pattern, options, MatchTimeout), matchesBytes ? literal : null)
        {
            PlainLiteral = literal is null ? null : source,
        };
    }

    /// <summary>Whether the regex occurs anywhere in <paramref name="bytes"/> read as Latin-1 text.</summary>
    public bool IsMatchLatin1(ReadOnlySpan<byte> bytes)
    {
        if (_literal is not null)
        {
            return _literal.IsFoundIn(bytes);
        }

        var text = new PooledTextBuilder(bytes.Length);
        try
        {
            Encoding.Latin1.GetChars(bytes, text.AppendSpan(bytes.Length));
            return IsMatch(text.Text);
        }
        finally
        {
            text.Dispose();
        }
    }

    /// <summary>Whether the regex occurs anywhere in <paramref name="text"/>; a match that times out is no match.</summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        try
        {
            return _regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
