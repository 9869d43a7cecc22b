using Addons.Abstractions.Filters;
using Addons.Abstractions.Flows;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>
/// <c>~u</c> and bare words with non-ASCII text. mitmproxy searches <c>request.pretty_url</c>, whose path is the raw
/// path as sent: a percent-encoded path stays encoded (nothing decodes it), so a non-ASCII word only finds non-ASCII
/// text the request really holds. And its grammar knows only space, tab, CR and LF as whitespace: any other
/// character, such as a no-break space, is part of a word.
/// </summary>
public sealed class FlowFilterUrlTextTests
{
    // mitmproxy 8.1.1 on tflow() with request.path = "/caf%C3%A9?q=%C3%BC"; "~u %c3%a9" is false in 8.1.1, whose ~u
    // is case-sensitive, and true upstream, where every regex operator ignores case (as ours do).
    [TestCase("~u café", false)]
    [TestCase("café", false)]
    [TestCase("~u é", false)]
    [TestCase("~u ü", false)]
    [TestCase("~u %C3%A9", true)]
    [TestCase("~u %c3%a9", true)]
    [TestCase("~u caf%C3%A9", true)]
    public void APercentEncodedPathIsMatchedEncoded(string expression, bool expected)
    {
        var flow = TestFlows.RequestOnly();
        flow.Request.Path = "/caf%C3%A9?q=%C3%BC";

        Assert.That(FlowFilter.Parse(expression).Matches(flow), Is.EqualTo(expected));
    }

    // request.path = "/café?q=ü" (the request holds UTF-8 text); "~u Ü" and "~u CAFÉ" are true upstream only.
    [TestCase("~u café", true)]
    [TestCase("café", true)]
    [TestCase("~u ü", true)]
    [TestCase("~u Ü", true)]
    [TestCase("~u CAFÉ", true)]
    [TestCase("~u caf%C3%A9", false)]
    public void ANonAsciiPathIsMatchedAsText(string expression, bool expected)
    {
        var flow = TestFlows.RequestOnly();
        flow.Request.Path = "/café?q=ü";

        Assert.That(FlowFilter.Parse(expression).Matches(flow), Is.EqualTo(expected));
    }

    [TestCase("bücher.example", "~u bücher", true)]
    [TestCase("bücher.example", "bücher", true)]
    [TestCase("xn--bcher-kva.example", "~u bücher", false)]
    [TestCase("xn--bcher-kva.example", "~u xn--bcher", true)]
    public void TheHostIsMatchedAsTheHostHeaderNamesIt(string host, string expression, bool expected)
    {
        var flow = TestFlows.RequestOnly();
        flow.Request.Headers.Set("Host", host);

        Assert.That(FlowFilter.Parse(expression).Matches(flow), Is.EqualTo(expected));
    }

    // A no-break space (or any whitespace but space, tab, CR and LF) does not end a word: "café\u00a0crème" is one
    // regex, not "café" and "crème".
    [TestCase("/café\u00a0crème", true)]
    [TestCase("/café/crème", false)]
    public void ANoBreakSpaceIsPartOfABareWord(string path, bool expected)
    {
        var flow = TestFlows.RequestOnly();
        flow.Request.Path = path;
        var filter = FlowFilter.Parse("café\u00a0crème");

        Assert.Multiple(() =>
        {
            Assert.That(filter.ToString(), Is.EqualTo("url matches /café\u00a0crème/i"));
            Assert.That(filter.Matches(flow), Is.EqualTo(expected));
        });
    }

    // An operator name ends where pyparsing's WordEnd puts it: at any character that is not printable ASCII.
    [TestCase("~u\u00a0x", "url matches /\u00a0x/i")]
    [TestCase("~uü", "url matches /ü/i")]
    [TestCase("~bqü", "request body matches /ü/is")]
    [TestCase("~u \u3000", "url matches /\u3000/i")]
    [TestCase("~q\u00a0", "request without response and url matches /\u00a0/i")]
    public void OnlySpaceTabCrAndLfAreWhitespace(string expression, string description)
    {
        Assert.That(FlowFilter.Parse(expression).ToString(), Is.EqualTo(description));
    }

    [Test]
    public void AStatusCodeIsNotSeparatedByANoBreakSpace()
    {
        Assert.That(() => FlowFilter.Parse("~c\u00a0404"), Throws.InstanceOf<FlowFilterException>());
    }
}
