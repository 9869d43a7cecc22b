using System.Diagnostics.CodeAnalysis;

namespace Addons.Abstractions.Filters;

/// <summary>
/// The host's flow filters, in mitmproxy's filter language (<c>~m POST &amp; ~u /api</c>, <c>!(~q | ~a)</c>): an addon
/// gets them from <see cref="IAddonLoader.Filters"/>, parses an expression once (when its option changes, say) and
/// calls <see cref="IFlowFilter.Matches"/> for each flow. The engine is the host's, so every addon matches a flow
/// exactly as the host's own <c>-r</c>, <c>-w</c> and flow output do, and a fix to it ships with the host, not with
/// this contract. Safe to use from several threads at once.
/// </summary>
/// <remarks>
/// <para>Operators (a REGEX argument is searched anywhere in the text, case-insensitively):</para>
/// <list type="table">
/// <listheader><term>operator</term><description>matches</description></listheader>
/// <item><term><c>~all</c></term><description>every flow</description></item>
/// <item><term><c>~q</c></term><description>an HTTP request without a response</description></item>
/// <item><term><c>~s</c></term><description>an HTTP flow with a response</description></item>
/// <item><term><c>~e</c></term><description>a flow with an error</description></item>
/// <item><term><c>~marked</c>, <c>~marker REGEX</c></term><description>a marked flow; a flow whose marker matches</description></item>
/// <item><term><c>~http</c>, <c>~tcp</c>, <c>~udp</c>, <c>~dns</c></term><description>a flow of that <see cref="Flows.FlowType"/></description></item>
/// <item><term><c>~websocket</c></term><description>an HTTP flow upgraded to a WebSocket</description></item>
/// <item><term><c>~replay</c>, <c>~replayq</c>, <c>~replays</c></term><description>a replayed flow; a replayed request; a replayed response</description></item>
/// <item><term><c>~a</c></term><description>a response with a Content-Type field holding, case-sensitively, <c>text/javascript</c>, <c>application/x-javascript</c>, <c>application/javascript</c>, <c>text/css</c>, <c>image/</c>, <c>font/</c> or <c>application/font</c> (mitmproxy's asset types)</description></item>
/// <item><term><c>~h</c>, <c>~hq</c>, <c>~hs REGEX</c></term><description>the header block (<c>name: value\r\n</c> per field, multiline) of the request or response; the request; the response</description></item>
/// <item><term><c>~b</c>, <c>~bq</c>, <c>~bs REGEX</c></term><description>the body with its Content-Encoding (gzip, deflate, br) removed, <c>.</c> matching newlines; a body that cannot be decoded is matched as it is. Also WebSocket, TCP and UDP messages: <c>~bq</c> those from the client, <c>~bs</c> those from the server. A DNS message is matched as mitmproxy prints it: its question names, then each record's data as text (an address, a name, text, or hex), one per line (CRLF); <c>~bq</c> reads the query, <c>~bs</c> the response</description></item>
/// <item><term><c>~t</c>, <c>~tq</c>, <c>~ts REGEX</c></term><description>any Content-Type field of the request or response; the request; the response</description></item>
/// <item><term><c>~d REGEX</c></term><description>the request host, or the host named by the Host header</description></item>
/// <item><term><c>~m REGEX</c></term><description>the request method</description></item>
/// <item><term><c>~u REGEX</c></term><description>the URL as the client saw it (<c>scheme://host[:port]/path</c>, host and port from the Host header)</description></item>
/// <item><term><c>~c INT</c></term><description>a response with this status code</description></item>
/// <item><term><c>~src</c>, <c>~dst REGEX</c></term><description>the client's address; the server's address, both as <c>host:port</c> (IPv6 without brackets)</description></item>
/// <item><term><c>~meta REGEX</c></term><description><see cref="Flows.Flow.Metadata"/> as <c>key: value</c> lines (multiline)</description></item>
/// <item><term><c>~comment REGEX</c></term><description><see cref="Flows.Flow.Comment"/> (multiline)</description></item>
/// <item><term>a bare word or quoted string</term><description>the same as <c>~u</c></description></item>
/// </list>
/// <para>
/// Combining, from tightest to loosest: <c>!x</c> (not), <c>x &amp; y</c> (and), <c>x | y</c> (or), and juxtaposition
/// <c>x y</c>, which is an "and" binding looser than everything else: <c>~q ~b test | ~s</c> means
/// <c>~q</c> and (<c>~b test</c> or <c>~s</c>). Parentheses group, and may hold a juxtaposed sequence.
/// </para>
/// <para>
/// Whitespace is space, tab, CR and LF only, as in mitmproxy's grammar; any other character (a no-break space, say) is
/// part of a word. An empty expression, or one of nothing but whitespace, is an error, as in mitmproxy; the options and
/// the command line that take a filter read an empty value as no filter. An
/// operator name ends at whitespace, <c>(</c>, <c>)</c>, <c>!</c>, <c>&amp;</c>, <c>|</c>, a character that is not
/// printable ASCII, or the end, so <c>(~q | ~s)</c>, <c>~q|~s</c> and <c>(~q)</c> are accepted (mitmproxy requires
/// spaces there). An unquoted REGEX (or bare word) runs to the next whitespace, parenthesis or quote and cannot start
/// with <c>~</c>; <c>&amp;</c>, <c>|</c>, <c>!</c>, <c>~</c> and backslashes inside it are regex text, so <c>a|b c</c>
/// means URL <c>/a|b/</c> and URL <c>/c/</c>, and <c>~u id=\d</c> means <c>/id=\d/</c>. A lone <c>&amp;</c>, <c>|</c>
/// or <c>!</c> is never taken as a REGEX.
/// </para>
/// <para>
/// Quote a REGEX that contains whitespace, parentheses or quotes: <c>"..."</c> or <c>'...'</c>, on one line. Inside
/// the quotes, as in mitmproxy (whose grammar unquotes with pyparsing 3.3), a backslash is removed before the regex is
/// compiled and the character after it is taken as it is: <c>"\""</c> is <c>"</c>, <c>"\d"</c> is <c>d</c>,
/// <c>"a\.b"</c> is <c>a.b</c>, <c>"\?"</c> is <c>?</c> (not a valid regex), and <c>"\\d"</c> is the regex <c>\d</c>.
/// The exceptions: <c>\t</c>, <c>\n</c>, <c>\f</c> and <c>\r</c> are TAB, LF, FF and CR, and <c>\0</c> is NUL. There
/// are no numeric escapes: <c>"\x42"</c> is <c>x42</c>, as mitmproxy 8.1.1 reads it (pyparsing 3.3's numeric escapes
/// lost their repeat counts in its source and are not followed).
/// </para>
/// <para>
/// Regexes are .NET regular expressions, matched case-insensitively (write <c>(?-i)</c> to turn that off) with a time
/// limit of one second; a match that runs out of time counts as no match. Headers, bodies, Content-Type and method are
/// bytes, matched as Latin-1 text (one character per byte, so <c>\xff</c> matches the byte 0xFF); non-ASCII characters
/// in those regexes stand for their UTF-8 bytes, as in mitmproxy, so <c>~b café</c> finds UTF-8 text.
/// Operators that need an HTTP flow are false for other flows.
/// </para>
/// </remarks>
public interface IFlowFilters
{
    /// <summary>A filter that matches every flow (the pattern <c>~all</c>).</summary>
    IFlowFilter All { get; }

    /// <summary>Parses and compiles <paramref name="expression"/>.</summary>
    /// <exception cref="FlowFilterException">The expression is empty or malformed, or one of its regexes does not compile.</exception>
    IFlowFilter Parse(string expression);

    /// <summary>Parses and compiles <paramref name="expression"/>, returning the problem instead of throwing it.</summary>
    /// <param name="expression">The filter expression.</param>
    /// <param name="filter">The compiled filter, when parsing succeeded.</param>
    /// <param name="error">What is wrong with the expression, when parsing failed.</param>
    /// <returns>Whether the expression is valid.</returns>
    bool TryParse(string expression, [NotNullWhen(true)] out IFlowFilter? filter, [NotNullWhen(false)] out FlowFilterException? error);
}
