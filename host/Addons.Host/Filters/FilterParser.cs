using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;

namespace Addons.Host.Filters;

/// <summary>
/// A recursive-descent parser for the filter language. Grammar, loosest first:
/// <code>
/// expression := sequence END
/// sequence   := or+                      (juxtaposition: and)
/// or         := and ('|' and)*
/// and        := unary ('&amp;' unary)*
/// unary      := '!' unary | primary
/// primary    := '(' sequence ')' | '~' name [argument] | quoted | word     (quoted and word: ~u)
/// </code>
/// Arguments are read in context: after an operator that takes a regex, the next word or quoted string is that regex.
/// Whitespace is what pyparsing skips by default in mitmproxy's grammar: space, tab, CR and LF, nothing else (a no-break
/// space is part of a word). A quoted string is unquoted as mitmproxy's grammar unquotes it (see
/// <see cref="ReadQuoted"/>) before its regex compiles.
/// </summary>
internal sealed class FilterParser
{
    private const string AnyFilter = "a filter expression";

    private static readonly string[] OperatorNames =
    [
        "~all", "~q", "~s", "~e", "~marked", "~marker", "~http", "~tcp", "~udp", "~dns", "~websocket", "~replay",
        "~replayq", "~replays", "~a", "~h", "~hq", "~hs", "~b", "~bq", "~bs", "~t", "~tq", "~ts", "~d", "~m", "~u",
        "~c", "~src", "~dst", "~meta", "~comment",
    ];

    private readonly string _expression;
    private int _position;

    private FilterParser(string expression) => _expression = expression;

    private bool AtEnd => _position >= _expression.Length;

    private char Current => _expression[_position];

    /// <summary>Parses <paramref name="expression"/> into a tree of nodes.</summary>
    /// <exception cref="FlowFilterException">The expression is empty or malformed, or a regex does not compile.</exception>
    public static FilterNode Parse(string expression)
    {
        var parser = new FilterParser(expression);
        parser.SkipWhitespace();
        if (parser.AtEnd)
        {
            // As mitmproxy's parse(""): an option or the command line reads an empty value as no filter before it gets
            // here, and a command's empty selector must not quietly mean every flow (view.flows.remove "").
            throw parser.Error(parser._position, AnyFilter);
        }

        var root = parser.ParseSequence();
        if (!parser.AtEnd)
        {
            // ParseSequence stops only at the end or at a ')'.
            throw parser.Error(parser._position, "the end of the expression (this ')' has no matching '(')");
        }

        return root;
    }

    // pyparsing's DEFAULT_WHITE_CHARS: any other character, Unicode spaces included, belongs to a word.
    private static bool IsWhiteSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    // pyparsing's WordEnd() ends "~u" before any character that is not printable ASCII ("~uü" is "~u ü"); '(' ')' '!'
    // '&' '|' end it too here, where mitmproxy wants a space first.
    private static bool IsNameEnd(char c) => c is <= ' ' or > '~' or '(' or ')' or '!' or '&' or '|';

    private static bool IsWordEnd(char c) => IsWhiteSpace(c) || c is '(' or ')' or '"' or '\'';

    private FilterNode ParseSequence()
    {
        var node = ParseOr();
        while (true)
        {
            SkipWhitespace();
            if (AtEnd || Current == ')')
            {
                return node;
            }

            node = new AndNode(node, ParseOr());
        }
    }

    private FilterNode ParseOr()
    {
        var node = ParseAnd(AnyFilter);
        while (TryConsume('|'))
        {
            node = new OrNode(node, ParseAnd("a filter after '|'"));
        }

        return node;
    }

    private FilterNode ParseAnd(string expected)
    {
        var node = ParseUnary(expected);
        while (TryConsume('&'))
        {
            node = new AndNode(node, ParseUnary("a filter after '&'"));
        }

        return node;
    }

    private FilterNode ParseUnary(string expected)
    {
        return TryConsume('!') ? new NotNode(ParseUnary("a filter after '!'")) : ParsePrimary(expected);
    }

    private FilterNode ParsePrimary(string expected)
    {
        SkipWhitespace();
        if (AtEnd)
        {
            throw Error(_position, expected);
        }

        var start = _position;
        switch (Current)
        {
            case '(':
                _position++;
                SkipWhitespace();
                if (AtEnd || Current == ')')
                {
                    throw Error(_position, "a filter expression after '('");
                }

                var inner = ParseSequence();
                if (AtEnd)
                {
                    throw Error(_position, "')'");
                }

                _position++;
                return inner;
            case ')':
                throw Error(start, expected);
            case '&' or '|':
                throw Error(start, expected == AnyFilter ? $"a filter before '{Current}'" : expected);
            case '~':
                return ParseOperator();
            default:
                var text = Current is '"' or '\'' ? ReadQuoted() : ReadWord();
                return new UrlNode(Compile(text, start, "the URL", RegexOptions.None, matchesBytes: false));
        }
    }

    private FilterNode ParseOperator()
    {
        var start = _position;
        _position++;
        while (!AtEnd && !IsNameEnd(Current))
        {
            _position++;
        }

        var name = _expression[start.._position];
        return name switch
        {
            "~all" => AllNode.Instance,
            "~q" => new RequestWithoutResponseNode(),
            "~s" => new HasResponseNode(),
            "~e" => new HasErrorNode(),
            "~marked" => new MarkedNode(),
            "~marker" => new MarkerNode(ReadRegex(name, RegexOptions.None, matchesBytes: false)),
            "~http" => new FlowTypeNode(FlowType.Http),
            "~tcp" => new FlowTypeNode(FlowType.Tcp),
            "~udp" => new FlowTypeNode(FlowType.Udp),
            "~dns" => new FlowTypeNode(FlowType.Dns),
            "~websocket" => new WebSocketNode(),
            "~replay" => new ReplayNode(null),
            "~replayq" => new ReplayNode(ReplayKind.Request),
            "~replays" => new ReplayNode(ReplayKind.Response),
            "~a" => new AssetNode(),
            "~h" => new HeadersNode(MessageSide.Either, ReadRegex(name, RegexOptions.Multiline, matchesBytes: true)),
            "~hq" => new HeadersNode(MessageSide.Request, ReadRegex(name, RegexOptions.Multiline, matchesBytes: true)),
            "~hs" => new HeadersNode(MessageSide.Response, ReadRegex(name, RegexOptions.Multiline, matchesBytes: true)),
            "~b" => new BodyNode(MessageSide.Either, ReadRegex(name, RegexOptions.Singleline, matchesBytes: true)),
            "~bq" => new BodyNode(MessageSide.Request, ReadRegex(name, RegexOptions.Singleline, matchesBytes: true)),
            "~bs" => new BodyNode(MessageSide.Response, ReadRegex(name, RegexOptions.Singleline, matchesBytes: true)),
            "~t" => new ContentTypeNode(MessageSide.Either, ReadRegex(name, RegexOptions.None, matchesBytes: true)),
            "~tq" => new ContentTypeNode(MessageSide.Request, ReadRegex(name, RegexOptions.None, matchesBytes: true)),
            "~ts" => new ContentTypeNode(MessageSide.Response, ReadRegex(name, RegexOptions.None, matchesBytes: true)),
            "~d" => new DomainNode(ReadRegex(name, RegexOptions.None, matchesBytes: false)),
            "~m" => new MethodNode(ReadRegex(name, RegexOptions.None, matchesBytes: true)),
            "~u" => new UrlNode(ReadRegex(name, RegexOptions.None, matchesBytes: false)),
            "~c" => new StatusCodeNode(ReadStatusCode(name)),
            "~src" => new SourceAddressNode(ReadRegex(name, RegexOptions.None, matchesBytes: false)),
            "~dst" => new DestinationAddressNode(ReadRegex(name, RegexOptions.None, matchesBytes: false)),
            "~meta" => new MetadataNode(ReadRegex(name, RegexOptions.Multiline, matchesBytes: false)),
            "~comment" => new CommentNode(ReadRegex(name, RegexOptions.Multiline, matchesBytes: false)),
            _ => throw UnknownOperator(start, name),
        };
    }

    private FilterRegex ReadRegex(string operatorName, RegexOptions options, bool matchesBytes)
    {
        var expected = "a regular expression after " + operatorName;
        SkipWhitespace();
        var start = _position;
        if (AtEnd || Current is '(' or ')' or '~' || IsLoneOperator())
        {
            throw Error(start, expected);
        }

        var text = Current is '"' or '\'' ? ReadQuoted() : ReadWord();
        return Compile(text, start, operatorName, options, matchesBytes);
    }

    private int ReadStatusCode(string operatorName)
    {
        var expected = "a status code (an integer) after " + operatorName;
        SkipWhitespace();
        var start = _position;
        if (AtEnd || IsWordEnd(Current) || Current == '~')
        {
            throw Error(start, expected);
        }

        var word = ReadWord();
        if (!int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var statusCode))
        {
            throw Error(start, expected);
        }

        return statusCode;
    }

    // A lone '&', '|' or '!' where a regex should be is a dangling operator, not the regex: "~h & ~s" is a mistake.
    private bool IsLoneOperator() =>
        Current is '&' or '|' or '!' && (_position + 1 == _expression.Length || IsWordEnd(_expression[_position + 1]));

    private string ReadWord()
    {
        var start = _position;
        while (!AtEnd && !IsWordEnd(Current))
        {
            _position++;
        }

        return _expression[start.._position];
    }

    /// <summary>
    /// Reads "..." or '...' and unquotes it as mitmproxy's grammar does (pyparsing's <c>QuotedString(esc_char="\\")</c>,
    /// one pass, left to right): <c>\t</c> <c>\n</c> <c>\f</c> <c>\r</c> are TAB, LF, FF and CR; <c>\0</c> is NUL; any
    /// other backslash is dropped and takes the next character as it is, so <c>"\d"</c> is <c>d</c> and a regex escape
    /// needs two (<c>"\\d"</c>). pyparsing 3.3's numeric escapes (<c>\x</c>, <c>\u</c>, octal) are not followed: their
    /// patterns lost their repeat counts in its source (<c>"\x42"</c> is <c>B</c> there but <c>"\x41"</c> is
    /// <c>x41</c>), so here <c>"\x42"</c> is <c>x42</c>, as mitmproxy 8.1.1 reads it. A quoted string is one line: a raw CR
    /// or LF inside it is an error.
    /// </summary>
    private string ReadQuoted()
    {
        var quote = Current;
        _position++;
        var text = new StringBuilder();
        while (!AtEnd)
        {
            var c = Current;
            if (c == quote)
            {
                _position++;
                return text.ToString();
            }

            if (c is '\r' or '\n' || (c == '\\' && _position + 1 < _expression.Length && _expression[_position + 1] is '\r' or '\n'))
            {
                throw Error(_position, CloseQuote(quote) + " (a quoted string cannot span lines)");
            }

            if (c == '\\' && _position + 1 < _expression.Length)
            {
                _position += Unescape(_expression.AsSpan(_position + 1), text);
                continue;
            }

            text.Append(c);
            _position++;
        }

        throw Error(_position, CloseQuote(quote));
    }

    private static string CloseQuote(char quote) => quote == '"' ? "'\"' to close the quoted string" : "\"'\" to close the quoted string";

    /// <summary>Appends what the escape <c>\</c>+<paramref name="rest"/> stands for; returns how many characters it took, the backslash included.</summary>
    private static int Unescape(ReadOnlySpan<char> rest, StringBuilder text)
    {
        var c = rest[0];
        switch (c)
        {
            case 't':
                text.Append('\t');
                return 2;
            case 'n':
                text.Append('\n');
                return 2;
            case 'f':
                text.Append('\f');
                return 2;
            case 'r':
                text.Append('\r');
                return 2;
            case '0':
                text.Append('\0');
                return 2;
            default:
                text.Append(c);
                return 2;
        }
    }

    private FilterRegex Compile(string text, int position, string operatorName, RegexOptions options, bool matchesBytes)
    {
        try
        {
            return FilterRegex.Create(text, options, matchesBytes);
        }
        catch (ArgumentException exception)
        {
            var expected = "a valid regular expression for " + operatorName;
            var reason = $"the regular expression for {operatorName} does not compile: {exception.Message}";
            throw new FlowFilterException(_expression, position, expected, reason, exception);
        }
    }

    private bool TryConsume(char c)
    {
        SkipWhitespace();
        if (!AtEnd && Current == c)
        {
            _position++;
            return true;
        }

        return false;
    }

    private void SkipWhitespace()
    {
        while (!AtEnd && IsWhiteSpace(Current))
        {
            _position++;
        }
    }

    private FlowFilterException UnknownOperator(int position, string name)
    {
        var candidates = name.Length > 1 ? Array.FindAll(OperatorNames, n => n.StartsWith(name, StringComparison.Ordinal)) : [];
        var suggestion = candidates.Length is > 0 and <= 3 ? $" (did you mean {string.Join(" or ", candidates)}?)" : "";
        return Error(position, $"a known operator instead of {name}{suggestion}");
    }

    private FlowFilterException Error(int position, string expected) => new(_expression, position, expected);
}
