using Addons.Abstractions.Filters;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>
/// How a quoted regex is unquoted before it is compiled. The expectations are upstream mitmproxy's, whose grammar
/// unquotes with pyparsing 3.3 (<c>QuotedString(esc_char="\\")</c>, one pass, left to right), except its broken numeric
/// escapes; where mitmproxy 8.1.1 (pyparsing 3.0.9, two passes) differs, the comment says so. The description shows
/// the regex as compiled.
/// </summary>
public sealed class FlowFilterQuotedStringTests
{
    [TestCase("~u \"\\d\"", "url matches /d/i")]
    [TestCase("~u \"\\\"\"", "url matches /\"/i")]
    [TestCase("~u '\\x41'", "url matches /x41/i")]
    [TestCase("~u \"\\\\d\"", "url matches /\\d/i")]
    [TestCase("~u \"\\\\\\\\\"", "url matches /\\\\/i")]
    [TestCase("~u \"a\\.b\"", "url matches /a.b/i")]
    [TestCase("~u \"caf\\é\"", "url matches /café/i")]
    [TestCase("~u \"\\q\\w\"", "url matches /qw/i")]
    [TestCase("~u 'it\\'s'", "url matches /it's/i")]
    [TestCase("~u \"it's\"", "url matches /it's/i")]
    [TestCase("~u 'say \"hi\"'", "url matches /say \"hi\"/i")]
    [TestCase("~u \"\\\\\\\"\"", "url matches /\\\"/i")]
    [TestCase("~u \"tab\\there\"", "url matches /tab\there/i")]
    [TestCase("~u \"\\n\\r\\f\"", "url matches /\n\r\f/i")]
    [TestCase("~u \"\\\\t\"", "url matches /\\t/i")] // 8.1.1: a tab
    [TestCase("~u \"\\\\n\"", "url matches /\\n/i")] // 8.1.1: a backslash and a line feed
    [TestCase("~u \"x\\0y\"", "url matches /x\0y/i")] // 8.1.1: x0y
    [TestCase("~u \"\\u0041\"", "url matches /u0041/i")]
    [TestCase("~u \"\\x42\"", "url matches /x42/i")] // pyparsing 3.3's broken numeric escapes: B
    [TestCase("~u \"\\04\"", "url matches /\u00004/i")] // 8.1.1: 04
    [TestCase("~u \"\"", "url matches //i")]
    [TestCase("''", "url matches //i")]
    [TestCase("~b \"a b\\.c\"", "body matches /a b.c/is")]
    public void EscapesAreRemovedBeforeTheRegexIsCompiled(string expression, string description)
    {
        Assert.That(FlowFilter.Parse(expression).ToString(), Is.EqualTo(description));
    }

    // "\?" leaves "?" and "\\" leaves "\": neither compiles, so the filter is invalid, as in mitmproxy.
    [TestCase("~u \"\\?\"")]
    [TestCase("~u \"\\\\\"")]
    [TestCase("~u \"\\*x\"")]
    public void AnEscapeThatLeavesABadRegexIsAnError(string expression)
    {
        var error = Assert.Throws<FlowFilterException>(() => FlowFilter.Parse(expression))!;

        Assert.Multiple(() =>
        {
            Assert.That(error.Position, Is.EqualTo(3));
            Assert.That(error.Expected, Is.EqualTo("a valid regular expression for ~u"));
        });
    }

    // pyparsing's quoted strings are single-line: a raw CR or LF inside the quotes ends nothing and fails.
    [TestCase("~u \"a\nb\"", 5)]
    [TestCase("~u 'a\rb'", 5)]
    [TestCase("~u \"a\\\nb\"", 5)]
    public void AQuotedStringCannotHoldALineBreak(string expression, int position)
    {
        var error = Assert.Throws<FlowFilterException>(() => FlowFilter.Parse(expression))!;

        Assert.That(error.Position, Is.EqualTo(position));
    }

    [Test]
    public void AnUnquotedWordKeepsItsBackslashes()
    {
        var flow = TestFlows.RequestOnly();

        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.Parse("~u users\\?id=\\d").ToString(), Is.EqualTo("url matches /users\\?id=\\d/i"));
            Assert.That(FlowFilter.Parse("~u users\\?id=\\d").Matches(flow), Is.True);
            Assert.That(FlowFilter.Parse("~u \"users\\\\?id=\\\\d\"").Matches(flow), Is.True);
            Assert.That(FlowFilter.Parse("~u \"users\\?id=\\d\"").Matches(flow), Is.False, "users?id=d: the s is optional, and no d follows");
        });
    }
}
