using Addons.Abstractions.Flows;
using Addons.Host.Filters;

namespace Addons.Host.Tests.Filters;

/// <summary>Precedence, grouping, quoting and case: checked through the description (which shows the tree) and by matching.</summary>
public sealed class FlowFilterGrammarTests
{
    // The first four are mitmproxy's own parse results (reference section c).
    [TestCase("~q ~b test | ~s", "request without response and (body matches /test/is or has response)")]
    [TestCase("~q & ~b test | ~s", "(request without response and body matches /test/is) or has response")]
    [TestCase("foo bar", "url matches /foo/i and url matches /bar/i")]
    [TestCase("a|b c", "url matches /a|b/i and url matches /c/i")]
    [TestCase("( ~q | ~s )", "request without response or has response")]
    [TestCase("(~q | ~s)", "request without response or has response")]
    [TestCase("~q|~s", "request without response or has response")]
    [TestCase("~q&~s", "request without response and has response")]
    [TestCase("(~q)", "request without response")]
    [TestCase("~q!~s", "request without response and not has response")]
    [TestCase("!~q & ~s", "not request without response and has response")]
    [TestCase("!(~q & ~s)", "not (request without response and has response)")]
    [TestCase("!!~e", "not not has error")]
    [TestCase("~m get | ~m put & ~c 200", "method matches /get/i or (method matches /put/i and status code is 200)")]
    [TestCase("(~m get | ~m put) & ~c 200", "(method matches /get/i or method matches /put/i) and status code is 200")]
    [TestCase("(~m get ~c 200) | ~e", "(method matches /get/i and status code is 200) or has error")]
    [TestCase("~m get&~s", "method matches /get&~s/i")]
    [TestCase("~u a~b", "url matches /a~b/i")]
    [TestCase("~h x & ~b y", "headers match /x/im and body matches /y/is")]
    [TestCase("~hq x ~hs y ~bq z ~bs w", "request headers match /x/im and response headers match /y/im and request body matches /z/is and response body matches /w/is")]
    [TestCase("~tq x | ~ts y | ~t z", "request content type matches /x/i or response content type matches /y/i or content type matches /z/i")]
    [TestCase("~all ~marked ~marker x ~websocket ~a", "every flow and is marked and marker matches /x/i and has a WebSocket and response is an asset")]
    [TestCase("~http | ~tcp | ~udp | ~dns", "is an HTTP flow or is a TCP flow or is a UDP flow or is a DNS flow")]
    [TestCase("~replay ~replayq ~replays", "is replayed and request is replayed and response is replayed")]
    [TestCase("~d x ~src y ~dst z", "domain matches /x/i and source address matches /y/i and destination address matches /z/i")]
    [TestCase("~meta x ~comment y", "metadata matches /x/im and comment matches /y/im")]
    public void TheTreeFollowsPrecedence(string expression, string description)
    {
        Assert.That(FlowFilter.Parse(expression).ToString(), Is.EqualTo(description));
    }

    [Test]
    public void JuxtapositionBindsLooserThanOr()
    {
        // A POST with a 404: not ~q, so the juxtaposed form is false; the '&' form is (q and b) or s, true by ~s.
        var flow = TestFlows.WithResponse();

        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.Parse("~q ~b hunter2 | ~s").Matches(flow), Is.False);
            Assert.That(FlowFilter.Parse("~q & ~b hunter2 | ~s").Matches(flow), Is.True);
        });
    }

    [Test]
    public void ABarInsideAWordIsRegexAlternation()
    {
        var flow = TestFlows.RequestOnly();

        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.Parse("nomatch|users").Matches(flow), Is.True);
            Assert.That(FlowFilter.Parse("nomatch|users api").Matches(flow), Is.True);
            Assert.That(FlowFilter.Parse("nomatch|users login").Matches(flow), Is.False);
        });
    }

    [TestCase("~b \"Not Found\"", "body matches /Not Found/is", true)]
    [TestCase("~b 'Not Found'", "body matches /Not Found/is", true)]
    [TestCase("~b \"\\\"password\\\"\"", "body matches /\"password\"/is", true)]
    [TestCase("~b 'it\\'s me'", "body matches /it's me/is", true)]
    [TestCase("~b \"it's me\"", "body matches /it's me/is", true)]
    [TestCase("~b '\"password\"'", "body matches /\"password\"/is", true)]
    [TestCase("~b \"(hunter|admin)\\d\"", "body matches /(hunter|admin)d/is", false)]
    [TestCase("~b \"(hunter|admin)\\\\d\"", "body matches /(hunter|admin)\\d/is", true)]
    [TestCase("~b \"\\\\d\"", "body matches /\\d/is", true)]
    [TestCase("~b \"\\\\\\\\\"", "body matches /\\\\/is", true)]
    [TestCase("~b \"\\x41LICE\"", "body matches /x41LICE/is", false)]
    [TestCase("~b \"\\\\x41LICE\"", "body matches /\\x41LICE/is", true)]
    [TestCase("\"/lo gin\"", "url matches //lo gin/i", false)]
    [TestCase("~b \"(x y)\"", "body matches /(x y)/is", false)]
    [TestCase("~b \"\"", "body matches //is", true)]
    public void QuotedStrings(string expression, string description, bool matches)
    {
        var filter = FlowFilter.Parse(expression);

        Assert.Multiple(() =>
        {
            Assert.That(filter.ToString(), Is.EqualTo(description));
            Assert.That(filter.Matches(TestFlows.WithResponse()), Is.EqualTo(matches));
        });
    }

    [TestCase("~m GeT", true)]
    [TestCase("~h USER-AGENT", true)]
    [TestCase("~u EXAMPLE.COM/API", true)]
    [TestCase("~d EXAMPLE", true)]
    [TestCase("~src 192.168", true)]
    [TestCase("~m \"(?-i)get\"", false)]
    [TestCase("~m \"(?-i)GET\"", true)]
    public void RegexesIgnoreCaseUnlessTurnedOff(string expression, bool expected)
    {
        Assert.That(FlowFilter.Parse(expression).Matches(TestFlows.RequestOnly()), Is.EqualTo(expected));
    }

    [Test]
    public void BodyRegexesIgnoreCase()
    {
        Assert.That(FlowFilter.Parse("~b HUNTER2").Matches(TestFlows.WithResponse()), Is.True);
    }

    [Test]
    public void PatternIsTheSourceText()
    {
        var filter = FlowFilter.Parse("  ~m get   |~c 200 ");

        Assert.Multiple(() =>
        {
            Assert.That(filter.Pattern, Is.EqualTo("  ~m get   |~c 200 "));
            Assert.That(filter.ToString(), Is.EqualTo("method matches /get/i or status code is 200"));
        });
    }

    [Test]
    public void AllMatchesEveryFlow()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.All.Pattern, Is.EqualTo("~all"));
            Assert.That(FlowFilter.All.ToString(), Is.EqualTo("every flow"));
            Assert.That(FlowFilter.All.Matches(TestFlows.Tcp()), Is.True);
            Assert.That(FlowFilter.All.Matches(new HttpFlow()), Is.True);
        });
    }

    [Test]
    public void TryParseReturnsTheFilterOrTheError()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FlowFilter.TryParse("~m get", out var filter, out var error), Is.True);
            Assert.That(filter!.ToString(), Is.EqualTo("method matches /get/i"));
            Assert.That(error, Is.Null);

            Assert.That(FlowFilter.TryParse("~m", out filter, out error), Is.False);
            Assert.That(filter, Is.Null);
            Assert.That(error!.Expected, Is.EqualTo("a regular expression after ~m"));
        });
    }

    [Test]
    public void ParseRejectsNull()
    {
        Assert.That(() => FlowFilter.Parse(null!), Throws.ArgumentNullException);
    }

    [Test]
    public void AFilterCanBeSharedAcrossThreads()
    {
        var filter = FlowFilter.Parse("~m post & ~u /login & ~h \"content-type: application/json\"");
        var flows = Enumerable.Range(0, 64).Select(_ => TestFlows.WithResponse()).ToArray();

        var results = flows.AsParallel().Select(f => Enumerable.Range(0, 200).All(_ => filter.Matches(f))).ToArray();

        Assert.That(results, Is.All.True);
    }
}
